/**
 * `mamori fim` as a user runs it (a child process): check/baseline/maintenance output and exit codes,
 * an unreadable file (the CLI run as nobody), and kill -9 in the middle of a check: after the rerun every
 * change is in mamori/fim exactly once.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { cliEntry, runCli, spawnCli, tsxLoader } from "../../testing/cli.js";
import { waitFor } from "../../testing/wait.js";
import { FIM_GROUP, type FimEvent } from "./events.js";
import { tempDir } from "./testing/harness.js";
import { expectedChanges, makeTree, mutateTree, summary, TREE_PATHS } from "./testing/tree.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const lines = (out: string) =>
  out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FimEvent);

function setup(name: string, fimYaml: string) {
  const dir = tempDir(name);
  dirs.push(dir);
  fs.chmodSync(dir, 0o755);
  const root = path.join(dir, "tree");
  fs.mkdirSync(root);
  const config = path.join(dir, "mamori.yaml");
  fs.writeFileSync(config, `data_dir: ./data\nhostname: cli-host\nfim:\n${fimYaml}`);
  return { dir, root, config };
}

describe("mamori fim (CLI)", () => {
  it("check: baseline first (exit 0), then one JSON line per change (exit 3), then nothing (exit 0)", async () => {
    const { root, config } = setup("cli", "  paths:\n    - path: tree\n      report_changes: true\n");
    fs.writeFileSync(path.join(root, "sshd_config"), "PermitRootLogin no\n");
    fs.writeFileSync(path.join(root, "gone"), "x\n");
    fs.symlinkSync("sshd_config", path.join(root, "link"));
    const first = await runCli(["fim", "check", "--config", config, "--json"]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, "");
    assert.match(first.stderr, /baseline of .*tree created: 4 paths/);

    fs.writeFileSync(path.join(root, "sshd_config"), "PermitRootLogin yes\n");
    fs.rmSync(path.join(root, "gone"));
    fs.chmodSync(path.join(root, "sshd_config"), 0o600);
    fs.rmSync(path.join(root, "link"));
    fs.symlinkSync("/etc/shadow", path.join(root, "link"));
    const second = await runCli(["fim", "check", "--config", config, "--json"]);
    assert.equal(second.code, 3, second.stderr);
    const events = lines(second.stdout);
    assert.deepEqual(events.map((e) => [e.change, path.basename(e.path)]).sort(), [
      ["deleted", "gone"],
      ["modified", "link"],
      ["modified", "sshd_config"],
    ]);
    const sshd = events.find((e) => e.path.endsWith("sshd_config")) as FimEvent;
    assert.deepEqual(sshd.changed?.includes("mode"), true);
    assert.match(sshd.diff ?? "", /-PermitRootLogin no\n\+PermitRootLogin yes/);
    assert.equal(sshd.host, "cli-host");
    assert.equal(events.find((e) => e.path.endsWith("link"))?.after?.link, "/etc/shadow", "not followed");

    const third = await runCli(["fim", "check", "--config", config]);
    assert.equal(third.code, 0);
    assert.match(third.stderr, /no changes/);

    // the same changes are in the store's mamori/fim group, for alarms and `mamori logs`
    const logged = await runCli(["logs", "filter", FIM_GROUP, "--config", config, "--json"]);
    assert.equal(lines(logged.stdout).length, 4, "baseline + 3 changes");

    const window = await runCli([
      "fim",
      "maintenance",
      "--for",
      "30m",
      "--reason",
      "apt upgrade",
      "--config",
      config,
    ]);
    assert.equal(window.code, 0, window.stderr);
    fs.writeFileSync(path.join(root, "sshd_config"), "PermitRootLogin prohibit-password\n");
    const during = lines((await runCli(["fim", "check", "--config", config, "--json"])).stdout);
    assert.deepEqual(
      during.map((e) => [e.change, e.maintenance, e.maintenance_reason]),
      [["modified", true, "apt upgrade"]],
    );

    const rebuilt = await runCli(["fim", "baseline", "--config", config]);
    assert.equal(rebuilt.code, 0);
    assert.equal(rebuilt.stdout, "");
  });

  it("check --json: the change table gives exactly the expected lines, once", async () => {
    const { root, config } = setup("table", "  paths:\n    - path: tree\n");
    fs.rmSync(root, { recursive: true });
    makeTree(root);
    const first = await runCli(["fim", "check", "--config", config, "--json"]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, new RegExp(`created: ${TREE_PATHS} paths`));
    mutateTree(root);
    const second = await runCli(["fim", "check", "--config", config, "--json"]);
    assert.equal(second.code, 3, second.stderr);
    assert.deepEqual(summary(lines(second.stdout)), expectedChanges(root));
    const third = await runCli(["fim", "check", "--config", config, "--json"]);
    assert.equal(third.code, 0);
    assert.equal(third.stdout, "");
  });

  it("exit 2 on usage and config errors, with file:line:col", async () => {
    const { config } = setup("bad", "  paths:\n    - path: tree\n      recursive: yes\n");
    const bad = await runCli(["fim", "check", "--config", config]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /mamori\.yaml:6:7: unknown key "recursive"/);
    const { config: none } = setup("none", "  paths: []\n");
    assert.equal((await runCli(["fim", "check", "--config", none])).code, 2);
    const { config: ok } = setup("dur", "  paths:\n    - path: tree\n");
    const dur = await runCli(["fim", "maintenance", "--for", "soon", "--config", ok]);
    assert.equal(dur.code, 2);
    assert.match(dur.stderr, /--for/);
  });

  it("an unreadable file is one event (run as nobody), not an error and not silence", async () => {
    const { dir, root, config } = setup("nobody", "  paths:\n    - path: tree\n");
    fs.writeFileSync(path.join(root, "readable"), "a\n");
    fs.writeFileSync(path.join(root, "secret"), "s\n", { mode: 0o000 });
    fs.mkdirSync(path.join(dir, "data"));
    fs.chownSync(path.join(dir, "data"), 65534, 65534);
    const asNobody = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", tsxLoader, cliEntry, ...args], {
          uid: 65534,
          gid: 65534,
          cwd: dir,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const first = await asNobody(["fim", "check", "--config", config, "--json"]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      lines(first.stdout).map((e) => [e.change, path.basename(e.path), e.error]),
      [["unreadable", "secret", "EACCES"]],
    );
    const again = await asNobody(["fim", "check", "--config", config, "--json"]);
    assert.equal(again.code, 0, "reported once, not at every scan");
    assert.equal(again.stdout, "");
  });

  it("kill -9 in the middle of a check: after the rerun each change is stored exactly once", async () => {
    const { dir, root, config } = setup("kill", "  paths:\n    - path: tree\n");
    const N = 600;
    for (let i = 0; i < N; i++)
      fs.writeFileSync(path.join(root, `f${String(i).padStart(4, "0")}`), "x".repeat(1024));
    assert.equal((await runCli(["fim", "check", "--config", config])).code, 0);
    for (let i = 0; i < N; i++)
      fs.writeFileSync(path.join(root, `f${String(i).padStart(4, "0")}`), "y".repeat(1024));
    // the same store, paced to ~200 files/s so the kill lands mid-scan
    const slow = path.join(dir, "slow.yaml");
    fs.writeFileSync(slow, `data_dir: ./data\nfim:\n  max_io: 0.2\n  paths:\n    - path: tree\n`);
    const store = openSqliteStore(path.join(dir, "data"));
    const modified = async () =>
      (await store.logs.query({ group: FIM_GROUP, limit: 10_000 })).filter((e) =>
        e.message.includes('"modified"'),
      ).length;
    try {
      const child = spawnCli(["fim", "check", "--config", slow, "--json"], { cwd: dir });
      const exited = new Promise((r) => child.on("exit", r));
      const before = await waitFor(
        "some changes stored",
        async () => ((await modified()) >= 20 ? await modified() : undefined),
        30_000,
        20,
      );
      child.kill("SIGKILL");
      await exited;
      const partial = await modified();
      assert.ok(partial >= before && partial < N, `killed mid-scan (${partial} of ${N} stored)`);
      const rerun = await runCli(["fim", "check", "--config", config, "--json"]);
      assert.equal(rerun.code, 3, rerun.stderr);
      assert.equal(lines(rerun.stdout).length, N - partial, "the rerun reports only what was not stored");
      const all = (await store.logs.query({ group: FIM_GROUP, limit: 10_000 }))
        .map((e) => JSON.parse(e.message) as FimEvent)
        .filter((e) => e.change === "modified");
      assert.equal(all.length, N);
      assert.equal(new Set(all.map((e) => e.path)).size, N, "each change exactly once");
    } finally {
      await store.close();
    }
  });
});
