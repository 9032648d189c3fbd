/** `mamori audit` as a user runs it: JSON lines, exit codes 0/3/2/1, policy errors at FILE:LINE:COL. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../../testing/cli.js";

let dir: string;
let root: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-audit-cli-"));
  root = path.join(dir, "root");
  fs.mkdirSync(path.join(root, "etc/ssh"), { recursive: true });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const HARDENED = "PermitRootLogin no\nPasswordAuthentication no\nMaxAuthTries 3\nX11Forwarding no\n";

describe("mamori audit", () => {
  it("--json prints one line per check and exits 0 when none failed", async () => {
    fs.writeFileSync(path.join(root, "etc/ssh/sshd_config"), HARDENED);
    const r = await runCli(["audit", "--policy", "builtin:sshd", "--root", root, "--json"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 7);
    for (const l of lines) {
      assert.deepEqual(Object.keys(l), ["policy", "id", "title", "result", "reason", "host"]);
      assert.equal(l.policy, "sshd");
      assert.equal(l.result, "passed");
      assert.equal(l.host, os.hostname());
    }
  });

  it("exits 3 when a check failed, with the remediation in the JSON", async () => {
    fs.writeFileSync(path.join(root, "etc/ssh/sshd_config"), `${HARDENED}PermitEmptyPasswords yes\n`);
    const r = await runCli(["audit", "--policy", "builtin:sshd", "--root", root, "--json"], { cwd: dir });
    assert.equal(r.code, 3, r.stderr);
    const failed = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((l) => l.result === "failed");
    assert.deepEqual(
      failed.map((f) => f.id),
      [1003],
    );
    assert.match(failed[0].reason, /"PermitEmptyPasswords yes"/);
    assert.match(failed[0].remediation, /PermitEmptyPasswords/);
  });

  it("prints a readable summary without --json", async () => {
    const r = await runCli(["audit", "--policy", "builtin:sshd", "--root", root], { cwd: dir });
    assert.equal(r.code, 3);
    assert.match(r.stdout, /^FAILED {2}sshd\/1003 {2}Accounts with empty passwords/m);
    assert.match(r.stdout, /7 checks: 6 passed, 1 failed, 0 not applicable/);
  });

  it("takes policies, root and hostname from the config's audit section", async () => {
    const policy = path.join(dir, "policies/own.yml");
    fs.mkdirSync(path.dirname(policy), { recursive: true });
    fs.writeFileSync(
      policy,
      "policy: {id: own, name: own}\nchecks:\n  - {id: 7, title: has sshd_config, condition: all, rules: ['f:/etc/ssh/sshd_config']}\n",
    );
    const config = path.join(dir, "mamori.yaml");
    fs.writeFileSync(config, `hostname: "h<script>"\naudit:\n  policies: [policies/*.yml]\n  root: ./root\n`);
    const r = await runCli(["audit", "--config", config, "--json"], { cwd: os.tmpdir() });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(JSON.parse(r.stdout), {
      policy: "own",
      id: 7,
      title: "has sshd_config",
      result: "passed",
      reason: `every rule holds: ${path.join(root, "etc/ssh/sshd_config")} exists`,
      host: "h<script>",
    });
  });

  it("a policy with errors: exit 2 and FILE:LINE:COL lines, nothing run", async () => {
    const bad = path.join(dir, "bad.yml");
    fs.writeFileSync(
      bad,
      "policy:\n  id: bad\n  name: bad\nchecks:\n  - id: 1\n    title: t\n    condition: all\n    rules:\n      - 'f:/etc/passwd -> r:\\q'\n      - 'y:/etc/passwd'\n",
    );
    const r = await runCli(["audit", "--policy", bad, "--json"], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trim().split("\n");
    assert.match(lines[0], new RegExp(`^${bad}:9:29: pcre2 regex: the escape "\\\\q" is not supported`));
    assert.match(lines[1], new RegExp(`^${bad}:10:10: unknown rule type`));
  });

  it("config check reports a broken policy the config names, and an unknown builtin", async () => {
    const config = path.join(dir, "broken.yaml");
    fs.writeFileSync(config, "audit:\n  policies: [builtin:nope, bad.yml]\n");
    let r = await runCli(["config", "check", "--config", config], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /broken\.yaml:2:\d+: no built-in policy "nope"; built-in policies: kernel, sshd/);
    fs.writeFileSync(config, "audit:\n  policies: [bad.yml]\n");
    r = await runCli(["config", "check", "--config", config], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yml:9:29: pcre2 regex/);
  });

  it("a missing policy file is exit 2; a bad --timeout is a usage error", async () => {
    let r = await runCli(["audit", "--policy", path.join(dir, "none.yml")], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /none\.yml:1:1: cannot read the policy: file not found/);
    r = await runCli(["audit", "--policy", "builtin:sshd", "--timeout", "soon"], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--timeout "soon" is not a duration/);
  });
});
