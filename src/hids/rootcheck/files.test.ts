/**
 * The file checks against temp roots laid out like a system: /dev, SUID files, world-writable files,
 * rootkit signature paths, and a fake sysfs for interface flags. Hostile names (newline, shell
 * metacharacters, invalid UTF-8) are reported, never executed.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { checkDevFiles } from "./dev-files.js";
import { shellQuote } from "./finding.js";
import { checkPromiscuous } from "./promiscuous.js";
import { checkRootkitFiles } from "./rootkit-files.js";
import { ROOTKIT_SIGNATURES } from "./rootkit-signatures.js";
import { checkSuid } from "./suid.js";
import { checkWorldWritable } from "./world-writable.js";

const temps: string[] = [];
after(() => {
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
});

function tempRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-rootcheck-"));
  temps.push(root);
  return root;
}

function put(root: string, rel: string, mode = 0o644, content = "x"): string {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.chmodSync(file, mode);
  return file;
}

describe("dev_files", () => {
  it("reports regular files and unknown folders under /dev, not known folders, sockets or links", async () => {
    const root = tempRoot();
    fs.mkdirSync(path.join(root, "dev/pts"), { recursive: true });
    fs.mkdirSync(path.join(root, "dev/shm"), { recursive: true });
    put(root, "dev/shm/app-state"); // shared memory files are fine
    put(root, "dev/pts/0"); // inside a known folder
    fs.symlinkSync("/proc/self/fd", path.join(root, "dev/fd"));
    put(root, "dev/.hidden-config", 0o600);
    put(root, "dev/sniff.log");
    fs.mkdirSync(path.join(root, "dev/.lib"));
    put(root, "dev/allowed-by-config");
    const findings = await checkDevFiles({ root, allow: ["/dev/allowed-by-config"] });
    const got = findings.map((f) => [f.path, f.severity]).sort();
    assert.deepEqual(got, [
      ["/dev/.hidden-config", "high"],
      ["/dev/.lib", "medium"],
      ["/dev/sniff.log", "medium"],
    ]);
    for (const f of findings) {
      assert.equal(f.check, "dev_files");
      assert.match(f.detail, /Investigate: `ls -la /);
    }
  });

  it("reports hostile names as names: newline, $(...), invalid UTF-8", async () => {
    const root = tempRoot();
    fs.mkdirSync(path.join(root, "dev"));
    put(root, "dev/a\nb");
    put(root, "dev/$(touch pwned)");
    fs.writeFileSync(Buffer.concat([Buffer.from(`${root}/dev/bad-`), Buffer.from([0xff, 0xfe])]), "x");
    const findings = await checkDevFiles({ root });
    const paths = findings.map((f) => f.path).sort();
    assert.deepEqual(paths, ["/dev/$(touch pwned)", "/dev/a\nb", "/dev/bad-\ufffd\ufffd"]);
    const dollar = findings.find((f) => f.path?.startsWith("/dev/$"));
    assert.ok(dollar?.detail.includes("ls -la '/dev/$(touch pwned)'"), dollar?.detail);
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });
});

describe("suid", () => {
  it("takes a baseline on the first run, then reports a new SUID file once", async () => {
    const root = tempRoot();
    const store = openSqliteStore(":memory:");
    put(root, "usr/bin/passwd", 0o4755);
    put(root, "usr/bin/wall", 0o2755);
    put(root, "usr/bin/ls", 0o755);
    const o = { root, paths: ["/usr", "/bin"], baseline: store.rootcheck, now: 1 };
    const first = await checkSuid(o);
    assert.deepEqual([first.baselined, first.files, first.findings.length], [true, 2, 0]);

    put(root, "usr/lib/.x/rootshell", 0o4755);
    fs.chmodSync(path.join(root, "usr/bin/ls"), 0o2755);
    const second = await checkSuid({ ...o, now: 2 });
    assert.equal(second.baselined, false);
    assert.deepEqual(
      second.findings.map((f) => [f.path, f.severity, f.title]),
      [
        ["/usr/bin/ls", "medium", "SGID file appeared: /usr/bin/ls"],
        ["/usr/lib/.x/rootshell", "high", "SUID file appeared: /usr/lib/.x/rootshell"],
      ],
    );
    assert.match(second.findings[1].detail, /dpkg -S \/usr\/lib\/\.x\/rootshell/);

    const third = await checkSuid({ ...o, now: 3 });
    assert.deepEqual(third.findings, [], "reported once: the next run knows it");

    fs.chmodSync(path.join(root, "usr/bin/wall"), 0o6755);
    const fourth = await checkSuid({ ...o, now: 4 });
    assert.deepEqual(
      fourth.findings.map((f) => f.title),
      ["SUID+SGID file changed: /usr/bin/wall"],
    );
    await store.close();
  });

  it("keeps one baseline per root", async () => {
    const a = tempRoot();
    const b = tempRoot();
    const store = openSqliteStore(":memory:");
    put(a, "bin/su", 0o4755);
    await checkSuid({ root: a, paths: ["/bin"], baseline: store.rootcheck, now: 1 });
    const firstOfB = await checkSuid({ root: b, paths: ["/bin"], baseline: store.rootcheck, now: 2 });
    assert.equal(firstOfB.baselined, true);
    await store.close();
  });
});

describe("world_writable", () => {
  it("reports root-owned world-writable files and non-sticky folders, not sticky ones or symlinks", async () => {
    const root = tempRoot();
    put(root, "etc/cron.daily/backup", 0o777);
    put(root, "etc/motd", 0o666);
    put(root, "etc/hosts", 0o644);
    fs.mkdirSync(path.join(root, "var/tmp"), { recursive: true });
    fs.chmodSync(path.join(root, "var/tmp"), 0o1777);
    fs.mkdirSync(path.join(root, "var/drop"), { recursive: true });
    fs.chmodSync(path.join(root, "var/drop"), 0o777);
    fs.symlinkSync("/etc/hosts", path.join(root, "etc/link"));
    const findings = await checkWorldWritable({ root, paths: ["/etc", "/var"] });
    assert.deepEqual(findings.map((f) => [f.path, f.severity]).sort(), [
      ["/etc/cron.daily/backup", "high"],
      ["/etc/motd", "medium"],
      ["/var/drop", "medium"],
    ]);
    const capped = await checkWorldWritable({ root, paths: ["/etc", "/var"], maxFindings: 1 });
    assert.equal(capped.length, 2);
    assert.match(capped[1].title, /^2 more root-owned world-writable files not listed$/);
  });
});

describe("rootkit_files", () => {
  it("reports the signature paths that exist, with the rootkit's name", async () => {
    const root = tempRoot();
    put(root, "etc/cron.hourly/gcc.sh");
    fs.mkdirSync(path.join(root, "usr/share/.zk"), { recursive: true });
    put(root, "usr/lib/.egcs"); // a folder signature: a plain file there is not it
    fs.mkdirSync(path.join(root, "lib"), { recursive: true });
    fs.symlinkSync("/nonexistent", path.join(root, "lib/libns2.so")); // dangling: lstat still sees it
    const findings = await checkRootkitFiles({ root });
    assert.deepEqual(findings.map((f) => [f.path, f.title]).sort(), [
      ["/etc/cron.hourly/gcc.sh", "XOR.DDoS: /etc/cron.hourly/gcc.sh exists"],
      ["/lib/libns2.so", "Ebury/Windigo: /lib/libns2.so exists"],
      ["/usr/share/.zk", "ZK: /usr/share/.zk exists"],
    ]);
    assert.ok(findings.every((f) => f.severity === "high" && f.check === "rootkit_files"));
  });

  it("ships a list of absolute paths, each named, none twice", () => {
    const seen = new Set<string>();
    assert.ok(ROOTKIT_SIGNATURES.length >= 60);
    for (const s of ROOTKIT_SIGNATURES) {
      assert.match(s.path, /^\//, s.path);
      assert.ok(s.rootkit.length > 0);
      assert.ok(!seen.has(s.path), `twice: ${s.path}`);
      seen.add(s.path);
    }
  });

  it("finds nothing on this machine's real root", async () => {
    assert.deepEqual(await checkRootkitFiles({ root: "/" }), []);
  });
});

describe("promiscuous (sysfs laid out in a temp folder)", () => {
  it("rates an unknown promiscuous interface high, bridges, bridge ports and known ones low", async () => {
    const sys = tempRoot();
    const iface = (name: string, flags: string, extra: string[] = []) => {
      put(sys, `class/net/${name}/flags`, 0o644, `${flags}\n`);
      for (const e of extra) fs.mkdirSync(path.join(sys, `class/net/${name}/${e}`));
    };
    iface("eth0", "0x1103");
    iface("lo", "0x9");
    iface("br0", "0x1103", ["bridge"]);
    iface("veth1", "0x1303", ["brport"]);
    iface("mirror0", "0x1103");
    iface("quiet", "0x1003");
    const findings = await checkPromiscuous({ sys, known: ["mirror*"] });
    assert.deepEqual(
      findings.map((f) => [f.title, f.severity]),
      [
        ["interface br0 is in promiscuous mode", "low"],
        ["interface eth0 is in promiscuous mode", "high"],
        ["interface mirror0 is in promiscuous mode", "low"],
        ["interface veth1 is in promiscuous mode", "low"],
      ],
    );
  });
});
