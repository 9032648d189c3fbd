/**
 * Package awareness against dpkg's real database: a throwaway copy of an installed package's files, its real
 * md5sums and its real status entry in a temp root (the host's /usr is only read), plus small fixture
 * packages for what the host may not have (Multi-Arch names, diversions, conffiles, hostile file names,
 * malformed lines).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { currentPackageIndex, explainChange, explainContent, loadPackageIndex } from "./packages.js";

const REAL_PACKAGE = "openssh-server"; // scripts/install-test-deps.sh installs it
const HOST_INFO = "/var/lib/dpkg/info";
const md5 = (data: string | Buffer) => createHash("md5").update(data).digest("hex");

/** The real status stanza of an installed package. */
function hostStatusStanza(pkg: string): string | undefined {
  const status = fs.readFileSync("/var/lib/dpkg/status", "utf8");
  return status.split(/\n\n/).find((s) => s.startsWith(`Package: ${pkg}\n`));
}

function write(root: string, rel: string, data: string | Buffer): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

const FIXTURE_CONF = "listen 1\n";
const FIXTURE_LIB = "fixture library bytes\n";
const HOSTILE = "usr/share/fixture/a file; $(rm -rf ~) <script>é.txt";

/** Status stanzas for the fixture packages: one Multi-Arch: same library, one with a conffile. */
function fixtureStatus(): string {
  return [
    "Package: libfixture1",
    "Status: install ok installed",
    "Architecture: amd64",
    "Multi-Arch: same",
    "Version: 2.0-1",
    "",
    "Package: fixture-daemon",
    "Status: install ok installed",
    "Architecture: all",
    "Version: 1:3.1-2",
    "Conffiles:",
    ` /etc/fixture.conf ${md5(FIXTURE_CONF)}`,
    " /etc/fixture-old.conf 0123456789abcdef0123456789abcdef obsolete",
    "Description: a fixture",
    " with a continuation line: that is not a conffile",
    "",
    "Package: removed-tool",
    "Status: deinstall ok config-files",
    "Architecture: all",
    "Version: 1.0",
    "",
    "this line has no field name",
    "",
  ].join("\n");
}

describe("package index over a copy of an installed Debian package", { concurrency: false }, () => {
  let root: string;
  let version: string;
  let packaged: string[];
  let conffiles: number;

  before(() => {
    const stanza = hostStatusStanza(REAL_PACKAGE);
    assert.ok(stanza, `${REAL_PACKAGE} is not installed: run scripts/install-test-deps.sh`);
    version = /^Version: (.+)$/m.exec(stanza)?.[1] ?? "";
    conffiles = (/^Conffiles:\n((?: .*\n?)*)/m.exec(stanza)?.[1] ?? "").split("\n").filter(Boolean).length;
    root = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fimpkg-"));
    // A merged-/usr root like Debian 12's: md5sums say lib/systemd/..., the file is at usr/lib/systemd/...
    for (const dir of ["bin", "sbin", "lib"]) {
      fs.mkdirSync(path.join(root, "usr", dir), { recursive: true });
      fs.symlinkSync(`usr/${dir}`, path.join(root, dir));
    }
    const sums = fs.readFileSync(path.join(HOST_INFO, `${REAL_PACKAGE}.md5sums`), "utf8");
    write(root, `var/lib/dpkg/info/${REAL_PACKAGE}.md5sums`, sums);
    packaged = sums
      .split("\n")
      .filter(Boolean)
      .map((l) => `/${l.slice(34)}`);
    for (const p of packaged) write(root, p.slice(1), fs.readFileSync(p));
    write(root, "var/lib/dpkg/status", `${stanza}\n\n${fixtureStatus()}`);

    write(
      root,
      "var/lib/dpkg/info/libfixture1:amd64.md5sums",
      [
        `${md5(FIXTURE_LIB)}  usr/lib/x86_64-linux-gnu/libfixture.so.1`,
        `${md5("hostile\n")}  ${HOSTILE}`,
        `${md5("diverted original\n")}  usr/bin/fixture-tool`,
        "not-a-checksum  usr/bin/broken",
        `${md5("x")} usr/bin/one-space-only`,
        `${md5("x")}  /usr/bin/absolute-path`,
        `${md5("x").toUpperCase()}  usr/bin/upper-case`,
        `${md5("x")}  `,
        "",
      ].join("\n"),
    );
    write(root, "usr/lib/x86_64-linux-gnu/libfixture.so.1", FIXTURE_LIB);
    write(root, HOSTILE, "hostile\n");
    write(root, "etc/fixture.conf", FIXTURE_CONF);
    // fixture-daemon diverts libfixture1's /usr/bin/fixture-tool aside and ships its own.
    write(
      root,
      "var/lib/dpkg/info/fixture-daemon.md5sums",
      `${md5("daemon's own\n")}  usr/bin/fixture-tool\n`,
    );
    write(
      root,
      "var/lib/dpkg/diversions",
      "/usr/bin/fixture-tool\n/usr/bin/fixture-tool.real\nfixture-daemon\n",
    );
    write(root, "usr/bin/fixture-tool", "daemon's own\n");
    write(root, "usr/bin/fixture-tool.real", "diverted original\n");
    write(root, "etc/ssh/sshd_config", "PermitRootLogin no\n");
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it("explains every file of the copied package with its package and version", async () => {
    const index = loadPackageIndex(root);
    assert.ok(packaged.length >= 10, `${packaged.length} files`);
    for (const p of packaged) {
      assert.deepEqual(await explainChange(index, root, p), { package: `${REAL_PACKAGE} ${version}` }, p);
    }
  });

  it("a tampered file is unexplained but names its package; restored to packaged content it is explained", async () => {
    const index = loadPackageIndex(root);
    const binary = "/usr/sbin/sshd";
    assert.ok(packaged.includes(binary));
    fs.appendFileSync(path.join(root, binary), "\x00implant");
    assert.deepEqual(await explainChange(index, root, binary), {
      unexplained: true,
      package: `${REAL_PACKAGE} ${version}`,
    });
    fs.copyFileSync(binary, path.join(root, binary));
    assert.deepEqual(await explainChange(index, root, binary), { package: `${REAL_PACKAGE} ${version}` });
  });

  it("md5sums paths under merged-/usr directories are found by either spelling", () => {
    const index = loadPackageIndex(root);
    const unit = packaged.find((p) => p.startsWith("/lib/systemd/") || p.startsWith("/usr/lib/systemd/"));
    assert.ok(unit, "the package ships a systemd unit");
    const rest = unit.replace(/^\/usr/, "");
    assert.equal(index.lookup(`/usr${rest}`)?.package, REAL_PACKAGE);
    assert.equal(index.lookup(rest)?.package, REAL_PACKAGE);
  });

  it("a file of no package is undefined and its change unexplained without a package", async () => {
    const index = loadPackageIndex(root);
    assert.equal(index.lookup("/etc/ssh/sshd_config"), undefined);
    assert.deepEqual(await explainChange(index, root, "/etc/ssh/sshd_config"), { unexplained: true });
    assert.equal(index.lookup("/usr/bin/not-shipped-by-anyone"), undefined);
  });

  it("a deleted packaged file is unexplained, naming its package", async () => {
    const index = loadPackageIndex(root);
    const victim = packaged.find((p) => p.startsWith("/usr/share/"));
    assert.ok(victim);
    fs.rmSync(path.join(root, victim));
    assert.deepEqual(await explainChange(index, root, victim), {
      unexplained: true,
      package: `${REAL_PACKAGE} ${version}`,
    });
  });

  const fixtureCases: Array<{ name: string; path: string; content: string; verdict: object }> = [
    {
      name: "Multi-Arch: same package keeps its :arch name",
      path: "/usr/lib/x86_64-linux-gnu/libfixture.so.1",
      content: FIXTURE_LIB,
      verdict: { package: "libfixture1:amd64 2.0-1" },
    },
    {
      name: "a file name with spaces, shell metacharacters, <script> and UTF-8",
      path: `/${HOSTILE}`,
      content: "hostile\n",
      verdict: { package: "libfixture1:amd64 2.0-1" },
    },
    {
      name: "a conffile (checksum from the status file)",
      path: "/etc/fixture.conf",
      content: FIXTURE_CONF,
      verdict: { package: "fixture-daemon 1:3.1-2" },
    },
    {
      name: "an edited conffile",
      path: "/etc/fixture.conf",
      content: "listen 0.0.0.0\n",
      verdict: { unexplained: true, package: "fixture-daemon 1:3.1-2" },
    },
    {
      name: "the diverting package's own file at the diverted path",
      path: "/usr/bin/fixture-tool",
      content: "daemon's own\n",
      verdict: { package: "fixture-daemon 1:3.1-2" },
    },
    {
      name: "the diverted original at its new path",
      path: "/usr/bin/fixture-tool.real",
      content: "diverted original\n",
      verdict: { package: "libfixture1:amd64 2.0-1" },
    },
  ];
  for (const c of fixtureCases) {
    it(`fixture: ${c.name}`, () => {
      assert.deepEqual(explainContent(loadPackageIndex(root), c.path, md5(c.content)), c.verdict);
    });
  }

  it("malformed md5sums and status lines are counted with file:line, good lines still indexed", () => {
    const index = loadPackageIndex(root);
    const { count, first } = index.malformed;
    assert.equal(count, 6, JSON.stringify(first, null, 1));
    const md5Lines = first.filter((m) => m.file.endsWith("libfixture1:amd64.md5sums")).map((m) => m.line);
    assert.deepEqual(md5Lines, [4, 5, 6, 7, 8]);
    assert.ok(first.some((m) => m.file.endsWith("status") && m.why.includes("Name:")));
    for (const bad of ["/usr/bin/broken", "/usr/bin/one-space-only", "/usr/bin/upper-case"]) {
      assert.equal(index.lookup(bad), undefined, bad);
    }
    assert.equal(index.lookup("/etc/fixture-old.conf")?.package, "fixture-daemon");
    // The real package's md5sums and conffiles, plus the fixtures' six paths.
    assert.equal(index.files, packaged.length + conffiles + 6);
  });

  it("is lazy: nothing is read until the first lookup", () => {
    const lazyRoot = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fimpkg-lazy-"));
    try {
      const index = loadPackageIndex(lazyRoot);
      write(lazyRoot, "var/lib/dpkg/info/late.md5sums", `${md5("x")}  usr/bin/late\n`);
      assert.equal(index.lookup("/usr/bin/late")?.package, "late");
      assert.equal(index.lookup("/usr/bin/late")?.version, "unknown");
    } finally {
      fs.rmSync(lazyRoot, { recursive: true, force: true });
    }
  });

  it("currentPackageIndex reloads after dpkg changes its database", () => {
    const first = currentPackageIndex(root);
    assert.equal(currentPackageIndex(root), first);
    assert.equal(first.lookup("/usr/bin/new-tool"), undefined);
    write(root, "var/lib/dpkg/info/new-tool.md5sums", `${md5("new\n")}  usr/bin/new-tool\n`);
    const status = path.join(root, "var/lib/dpkg/status");
    fs.appendFileSync(status, "Package: new-tool\nStatus: install ok installed\nVersion: 0.1\n\n");
    const second = currentPackageIndex(root);
    assert.notEqual(second, first);
    assert.deepEqual(second.lookup("/usr/bin/new-tool"), {
      package: "new-tool",
      version: "0.1",
      md5: md5("new\n"),
    });
  });
});

describe("package index without a dpkg database (an RPM system, a bare root)", () => {
  it("is empty and reports every change unexplained", async (t) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fimpkg-none-"));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    write(root, "usr/bin/tool", "x");
    const index = loadPackageIndex(root);
    assert.equal(index.files, 0);
    assert.equal(index.malformed.count, 1); // the missing status file is said, not hidden
    assert.deepEqual(await explainChange(index, root, "/usr/bin/tool"), { unexplained: true });
  });
});
