/**
 * The installed entry point, bin/mamori.js, runs the esbuild bundles in dist/cli-bundle/ (scripts/bundle-cli.mjs),
 * not the sources the other CLI tests run through tsx. What bundling can break is checked here on the
 * built copy: files found relative to a module (builtin filters and policies, ipaddr.js through
 * createRequire), worker threads, the native SQLite module, zod's English messages, exit codes.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../../src/testing/cli.js";

const bin = path.join(repoRoot, "bin/mamori.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-cli-bundle-"));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function mamori(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: dir }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

before(async () => {
  // scripts/test.sh builds it first; a test run on its own builds it here
  if (!fs.existsSync(path.join(repoRoot, "dist/cli-bundle/all.cjs")))
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [path.join(repoRoot, "scripts/bundle-cli.mjs")], (err) =>
        err ? reject(err) : resolve(),
      ),
    );
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("bin/mamori.js (the bundled CLI)", () => {
  it("--version and a command's --help", async () => {
    const v = await mamori(["--version"]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
    const h = await mamori(["fim", "--help"]);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /baseline/);
  });

  it("regex with a builtin filter (found next to the package, not next to the chunk)", async () => {
    const log = path.join(dir, "auth.log");
    fs.writeFileSync(
      log,
      "Jan  1 00:00:00 host sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2\n",
    );
    const r = await mamori(["regex", log, "sshd"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 matched/);
  });

  it("config check: a jail's ignoreip (ipaddr.js), a config error at file:line:col in English, exit 2", async () => {
    const good = path.join(dir, "good.yaml");
    fs.writeFileSync(
      good,
      `data_dir: ./data
sources:
  - type: file
    path: ${JSON.stringify(path.join(dir, "auth.log"))}
    group: auth
jails:
  - name: sshd
    filter: sshd
    group: auth
    ignoreip: [10.0.0.0/8, "::1"]
    action: dry-run
`,
    );
    const ok = await mamori(["config", "check", "--config", good]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /ok \(.*1 jails\)/);
    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(bad, "data_dir: ./data\nfim:\n  paths: 3\n");
    const r = await mamori(["config", "check", "--config", bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:3:10: "paths" must be a list/);
  });

  it("audit with a builtin policy (the policies/ folder)", async () => {
    const root = path.join(dir, "root");
    fs.mkdirSync(path.join(root, "etc/ssh"), { recursive: true });
    fs.writeFileSync(path.join(root, "etc/ssh/sshd_config"), "PermitRootLogin yes\n");
    const r = await mamori(["audit", "--policy", "builtin:sshd", "--root", root, "--json"]);
    assert.ok(r.code === 0 || r.code === 3, r.stderr);
    const results = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { policy: string });
    assert.ok(results.length > 0);
  });

  it("fim baseline then check: worker threads and SQLite from the bundle; a change exits 3", async () => {
    const tree = path.join(dir, "tree");
    fs.mkdirSync(path.join(tree, "sub"), { recursive: true });
    fs.writeFileSync(path.join(tree, "a"), "one\n");
    fs.writeFileSync(path.join(tree, "sub/b"), "two\n");
    const config = path.join(dir, "fim.yaml");
    fs.writeFileSync(config, `data_dir: ./fimdata\nfim:\n  paths:\n    - path: ${JSON.stringify(tree)}\n`);
    const b = await mamori(["fim", "baseline", "--config", config]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /baseline of .*tree: 4 paths/);
    fs.writeFileSync(path.join(tree, "sub/b"), "changed\n");
    const c = await mamori(["fim", "check", "--config", config, "--json"]);
    assert.equal(c.code, 3, c.stderr);
    const events = c.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { path: string; change: string });
    assert.deepEqual(
      events.map((e) => [path.relative(tree, e.path), e.change]),
      [["sub/b", "modified"]],
    );
  });
});
