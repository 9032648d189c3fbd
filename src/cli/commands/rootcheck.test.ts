/** `mamori rootcheck [--config F] [--json]` as a user runs it: output and exit codes 0 / 3 / 1 / 2. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { runCli } from "../../testing/cli.js";

const temps: string[] = [];
after(() => {
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
});

/** A temp root and a config whose rootcheck looks only at it. */
function setup(rootcheck: Record<string, unknown>): { root: string; config: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-rootcheck-cli-"));
  temps.push(dir);
  const root = path.join(dir, "root");
  fs.mkdirSync(path.join(root, "dev"), { recursive: true });
  fs.mkdirSync(path.join(root, "usr/bin"), { recursive: true });
  const config = path.join(dir, "mamori.yaml");
  const body = {
    data_dir: path.join(dir, "data"),
    hostname: "host-a",
    rootcheck: { root, checks: ["dev_files", "rootkit_files", "suid"], paths: ["/usr"], ...rootcheck },
  };
  fs.writeFileSync(config, JSON.stringify(body, null, 2)); // JSON is YAML
  return { root, config };
}

const jsonLines = (s: string) =>
  s
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe("mamori rootcheck", () => {
  it("exit 0 and no output lines when nothing is found, 3 with one JSON line per finding", async () => {
    const { root, config } = setup({});
    const clean = await runCli(["rootcheck", "--config", config, "--json"]);
    assert.deepEqual([clean.code, clean.stdout, clean.stderr], [0, "", ""]);

    fs.writeFileSync(path.join(root, "dev/.x11-unix-log"), "x");
    fs.writeFileSync(path.join(root, "usr/bin/sudo-helper"), "x");
    fs.chmodSync(path.join(root, "usr/bin/sudo-helper"), 0o4755);
    const found = await runCli(["rootcheck", "--config", config, "--json"]);
    assert.equal(found.code, 3, found.stderr);
    const lines = jsonLines(found.stdout);
    assert.deepEqual(
      lines.map((l) => [l.check, l.severity, l.path, l.host]),
      [
        ["dev_files", "high", "/dev/.x11-unix-log", "host-a"],
        ["suid", "high", "/usr/bin/sudo-helper", "host-a"],
      ],
    );
    for (const l of lines) assert.ok(l.title && l.detail.includes("Investigate"));

    // the new SUID file is reported once (the baseline in data_dir moved on); the /dev file stays a finding
    const again = await runCli(["rootcheck", "--config", config, "--json"]);
    assert.equal(again.code, 3);
    assert.deepEqual(
      jsonLines(again.stdout).map((l) => l.check),
      ["dev_files"],
    );
  });

  it("prints findings for people without --json, control characters escaped", async () => {
    const { root, config } = setup({ checks: ["dev_files"] });
    fs.writeFileSync(path.join(root, "dev/evil\u001b[2Jname"), "x");
    const r = await runCli(["rootcheck", "--config", config]);
    assert.equal(r.code, 3);
    assert.match(
      r.stdout,
      /^\[MEDIUM\] dev_files: unexpected regular file in \/dev: \/dev\/evil\\x1b\[2Jname/,
    );
    assert.ok(!r.stdout.includes("\u001b"), "no raw escape reaches the terminal");
  });

  it("exit 1 when a check cannot run, after running the others", async () => {
    const { root, config } = setup({ checks: ["promiscuous", "dev_files"], sys: "/nonexistent-sys" });
    fs.writeFileSync(path.join(root, "dev/found"), "x");
    const r = await runCli(["rootcheck", "--config", config, "--json"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the promiscuous check could not run: .*nonexistent-sys/);
    assert.deepEqual(
      jsonLines(r.stdout).map((l) => l.path),
      ["/dev/found"],
    );
  });

  it("exit 2 with file:line:col for a bad rootcheck config", async () => {
    const { config } = setup({ checks: ["dev_files", "rootkits"], ports: "70000-1" });
    const r = await runCli(["rootcheck", "--config", config, "--json"]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /mamori\.yaml:\d+:\d+: .*must be one of .*"rootkit_files", not the string "rootkits"/,
    );
    assert.match(r.stderr, /mamori\.yaml:\d+:\d+: "ports": ports run from 1 to 65535/);
    assert.equal(r.stdout, "");
  });
});
