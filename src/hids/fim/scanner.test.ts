import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import type { FimEvent } from "./events.js";
import { harness, tempDir } from "./testing/harness.js";
import {
  BIG_FILE_BYTES,
  expectedChanges,
  makeTree,
  mutateTree,
  summary,
  TREE_PATHS,
} from "./testing/tree.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("FIM scanner", () => {
  it("baseline is one summary event; each kind of change is exactly one event, once", async () => {
    const dir = tempDir("scan");
    dirs.push(dir);
    const root = path.join(dir, "tree");
    makeTree(root);
    const h = harness({ paths: [{ path: root }] }, { dir });
    try {
      const first = await h.scanner.scanAll();
      assert.deepEqual(
        first.map((e) => [e.change, e.path, e.files]),
        [["baseline", root, TREE_PATHS]],
      );
      assert.deepEqual(await h.scanner.scanAll(), [], "nothing changed, nothing reported");

      const p = (f: string) => path.join(root, f);
      mutateTree(root);

      const changes = await h.scanner.scanAll();
      assert.deepEqual(summary(changes), expectedChanges(root));
      const byPath = new Map(changes.map((e) => [e.path, e]));
      const content = byPath.get(p("content.txt")) as FimEvent;
      assert.notEqual(content.before?.sha256, content.after?.sha256);
      assert.equal(content.host, "testhost");
      assert.deepEqual(byPath.get(p("mode.txt"))?.before, { mode: "0644" });
      assert.deepEqual(byPath.get(p("mode.txt"))?.after, { mode: "0600" });
      assert.deepEqual(byPath.get(p("owner.txt"))?.after, { uid: 1234, gid: 4321 });
      assert.equal(byPath.get(p("sub/link"))?.after?.link, "target-b");
      assert.equal(byPath.get(p("replaced"))?.after?.type, "directory");
      assert.equal(byPath.get(p("empty.bin"))?.after?.size, 0);
      assert.equal(byPath.get(p("big.sparse"))?.after?.size, BIG_FILE_BYTES);
      assert.match(byPath.get(p("big.sparse"))?.after?.sha256 ?? "", /^[0-9a-f]{64}$/);
      assert.equal(
        byPath.get(p("hard-link.txt"))?.after?.inode,
        fs.statSync(p("linked.txt")).ino,
        "a hard link is a new name of the same inode",
      );

      assert.deepEqual(await h.scanner.scanAll(), [], "each change is reported once");
      const stored = await h.stored();
      assert.deepEqual(summary(stored), summary([...first, ...changes]), "the store holds exactly these");
    } finally {
      await h.close();
    }
  });

  it("never opens a FIFO, takes a device as it is, and reports odd names escaped", async () => {
    const dir = tempDir("odd");
    dirs.push(dir);
    const root = path.join(dir, "tree");
    fs.mkdirSync(root);
    const fifo = path.join(root, "pipe");
    await new Promise<void>((resolve, reject) =>
      spawn("mkfifo", [fifo]).on("exit", (c) => (c === 0 ? resolve() : reject(new Error(`mkfifo ${c}`)))),
    );
    // a writer blocks until someone opens the FIFO for reading: if FIM did, it would finish
    const writer = spawn("sh", ["-c", 'printf x > "$1"', "sh", fifo]);
    const h = harness({ paths: [{ path: root }, { path: "/dev/null" }] }, { dir });
    try {
      const base = await h.scanner.scanAll();
      assert.deepEqual(
        base.map((e) => [e.change, e.path, e.files]),
        [
          ["baseline", root, 2],
          ["baseline", "/dev/null", 1],
        ],
      );
      const rootBytes = Buffer.from(root);
      const odd = Buffer.concat([rootBytes, Buffer.from("/line\nbreak-\xff\xfe-\\-é", "latin1")]);
      fs.writeFileSync(odd, "x");
      const changes = await h.scanner.scanAll();
      assert.deepEqual(summary(changes), [`added ${root}/line\nbreak-\\xff\\xfe-\\\\-\\xe9`]);
      fs.writeFileSync(odd, "y");
      const again = await h.scanner.scanAll();
      assert.deepEqual(
        again.map((e) => [e.change, e.path, e.changed?.[0]]),
        [["modified", `${root}/line\nbreak-\\xff\\xfe-\\\\-\\xe9`, "sha256"]],
      );
      assert.equal(writer.exitCode, null, "the FIFO's writer still waits: nobody read the FIFO");
      const rows = await h.store.fim.baseline(root);
      assert.equal(JSON.parse(rows.get(fifo) as string).type, "fifo");
      assert.equal(
        JSON.parse((await h.store.fim.baseline("/dev/null")).get("/dev/null") as string).type,
        "char",
      );
    } finally {
      writer.kill();
      await h.close();
    }
  });

  it("ignore globs, growing files and report_changes diffs", async () => {
    const dir = tempDir("opts");
    dirs.push(dir);
    const root = path.join(dir, "etc");
    fs.mkdirSync(path.join(root, "certs"), { recursive: true });
    fs.writeFileSync(path.join(root, "sshd_config"), "Port 22\nPermitRootLogin no\n");
    fs.writeFileSync(path.join(root, "app.log"), "one\n");
    fs.writeFileSync(path.join(root, "certs/a.pem"), "a\n");
    const h = harness(
      {
        paths: [
          { path: root, report_changes: true, ignore: ["*.swp", `${root}/certs/**`, "*.log"] },
          { path: path.join(root, "app.log"), growing: true },
        ],
      },
      { dir },
    );
    try {
      await h.scanner.scanAll();
      fs.writeFileSync(path.join(root, ".sshd_config.swp"), "x");
      fs.writeFileSync(path.join(root, "certs/b.pem"), "b\n");
      fs.appendFileSync(path.join(root, "app.log"), "two\n");
      fs.writeFileSync(path.join(root, "sshd_config"), "Port 22\nPermitRootLogin yes\n");
      const changes = await h.scanner.scanAll();
      assert.deepEqual(summary(changes), [`modified ${root}/sshd_config [sha256,size,mtime]`]);
      assert.equal(
        changes[0].diff,
        [
          `--- ${root}/sshd_config`,
          `+++ ${root}/sshd_config`,
          "@@ -1,2 +1,2 @@",
          " Port 22",
          "-PermitRootLogin no",
          "+PermitRootLogin yes",
          "",
        ].join("\n"),
      );
      const copies = path.join(dir, "data/fim/copies");
      for (const f of fs.readdirSync(copies))
        assert.equal(fs.statSync(path.join(copies, f)).mode & 0o777, 0o600);
      fs.writeFileSync(path.join(root, "app.log"), "truncated\n".slice(0, 3));
      assert.deepEqual(summary(await h.scanner.scanAll()), [`modified ${root}/app.log [sha256,size,mtime]`]);
    } finally {
      await h.close();
    }
  });

  it("verify_packages: restored to the packaged content → package; tampered → unexplained, with its owner", async () => {
    const dir = tempDir("pkg");
    dirs.push(dir);
    const root = path.join(dir, "root");
    const status = fs.readFileSync("/var/lib/dpkg/status", "utf8");
    const stanza = (pkg: string) => status.split(/\n\n/).find((x) => x.startsWith(`Package: ${pkg}\n`));
    const server = stanza("openssh-server");
    assert.ok(server, "openssh-server is installed (scripts/install-test-deps.sh)");
    fs.mkdirSync(path.join(root, "var/lib/dpkg/info"), { recursive: true });
    fs.mkdirSync(path.join(root, "etc/ssh"), { recursive: true });
    fs.writeFileSync(path.join(root, "var/lib/dpkg/status"), `${server}\n\n`);
    fs.copyFileSync(
      "/var/lib/dpkg/info/openssh-server.md5sums",
      path.join(root, "var/lib/dpkg/info/openssh-server.md5sums"),
    );
    const moduli = path.join(root, "etc/ssh/moduli");
    fs.writeFileSync(moduli, "# an old moduli\n");
    const version = /^Version: (.*)$/m.exec(server)?.[1];
    const h = harness(
      { paths: [{ path: path.join(root, "etc") }], verify_packages: true, package_root: root },
      { dir },
    );
    try {
      await h.scanner.scanAll();
      fs.copyFileSync("/etc/ssh/moduli", moduli); // what openssh-server shipped (a conffile)
      const upgrade = await h.scanner.scanAll();
      assert.deepEqual(
        upgrade.map((e) => [e.change, e.path, e.package, e.unexplained]),
        [["modified", moduli, `openssh-server ${version}`, undefined]],
      );
      fs.appendFileSync(moduli, "# tampered\n");
      const tampered = await h.scanner.scanAll();
      assert.deepEqual(
        tampered.map((e) => [e.change, e.package, e.unexplained, e.owner]),
        [["modified", undefined, "no package explains this change", `openssh-server ${version}`]],
      );
      fs.writeFileSync(path.join(root, "etc/ssh/dropped"), "x\n");
      const unowned = await h.scanner.scanAll();
      assert.deepEqual(
        unowned.map((e) => [e.change, e.package, e.unexplained, e.owner]),
        [["added", undefined, "no package explains this change", undefined]],
      );
    } finally {
      await h.close();
    }
  });

  it("a file over max_hash_size is reported once as too_large; its other attributes still count", async () => {
    const dir = tempDir("large");
    dirs.push(dir);
    const root = path.join(dir, "tree");
    fs.mkdirSync(root);
    const big = path.join(root, "big");
    fs.writeFileSync(big, "x".repeat(64));
    const h = harness({ paths: [{ path: root }], max_hash_size: 16 }, { dir });
    try {
      const base = await h.scanner.scanAll();
      assert.deepEqual(
        base.map((e) => [e.change, e.path]),
        [
          ["too_large", big],
          ["baseline", root],
        ],
      );
      assert.match(base[0].detail ?? "", /max_hash_size/);
      assert.deepEqual(await h.scanner.scanAll(), [], "reported once");
      fs.chmodSync(big, 0o640);
      assert.deepEqual(summary(await h.scanner.scanAll()), [`attributes ${big} [mode]`]);
      assert.equal(h.scanner.counters.tooLarge, 1);
    } finally {
      await h.close();
    }
  });
});
