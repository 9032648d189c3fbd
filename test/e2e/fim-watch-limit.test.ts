/**
 * The inotify watch limit, hit for real: `mamori serve` runs in a user namespace of its own (`unshare -Ur`)
 * whose max_inotify_watches is lowered to 3 (the host's limit is not touched). A realtime tree of five
 * folders cannot be watched: a `watch_limit` event says so, and a change is still found by the
 * scheduled scan.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/index.js";
import { cliEntry, tsxLoader } from "../../src/testing/cli.js";
import { waitFor } from "../../src/testing/wait.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-e2e-fim-wl-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("e2e: inotify watch limit", () => {
  it("is reported as a watch_limit event, and the path falls back to scheduled scans", async () => {
    const tree = path.join(tmp, "tree");
    for (const d of ["a", "b", "c", "d"]) fs.mkdirSync(path.join(tree, d), { recursive: true });
    fs.writeFileSync(path.join(tree, "a/file"), "1\n");
    const config = path.join(tmp, "mamori.yaml");
    fs.writeFileSync(
      config,
      `data_dir: ./data\nfim:\n  schedule: 2s\n  paths:\n    - path: tree\n      realtime: true\n`,
    );
    const child = spawn(
      "unshare",
      [
        "-U",
        "-r",
        "--fork",
        "--kill-child=SIGTERM",
        "sh",
        "-c",
        // $$ is the daemon's pid after exec: unshare ignores SIGTERM while it waits, so the test signals the daemon
        'echo 3 > /proc/sys/user/max_inotify_watches && echo $$ > "$0.pid" && exec "$@"',
        config,
        process.execPath,
        "--import",
        tsxLoader,
        cliEntry,
        "serve",
        "--no-http",
        "--config",
        config,
      ],
      { cwd: tmp, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d) => {
      stderr += d;
      if (process.env.DEBUG_FIM) process.stdout.write(`# ${d}`);
    });
    const exited = new Promise((r) => child.on("exit", r));
    try {
      await waitFor(
        "the daemon",
        () => stderr.includes("mamori is running") || (child.exitCode !== null && "exited"),
        30_000,
      ).then((v) => assert.notEqual(v, "exited", stderr));
      const store = openSqliteStore(path.join(tmp, "data"));
      try {
        const events = async () =>
          (await store.logs.query({ group: "mamori/fim", limit: 100, orderById: true })).map((e) =>
            JSON.parse(e.message),
          );
        const limit = await waitFor(
          "the watch_limit event",
          async () => (await events()).find((e) => e.change === "watch_limit"),
          20_000,
        );
        assert.equal(limit.path, tree);
        assert.equal(limit.error, "ENOSPC");
        assert.match(limit.detail, /falls back to scheduled scans/);
        await waitFor(
          "the baseline",
          async () => (await events()).some((e) => e.change === "baseline"),
          20_000,
        );
        fs.writeFileSync(path.join(tree, "a/file"), "2\n");
        const modified = await waitFor(
          "the change, found by a scheduled scan",
          async () => (await events()).find((e) => e.change === "modified"),
          20_000,
        );
        assert.equal(modified.path, path.join(tree, "a/file"));
        assert.equal((await events()).filter((e) => e.change === "watch_limit").length, 1, "reported once");
      } finally {
        await store.close();
      }
    } finally {
      const pid = Number(fs.readFileSync(`${config}.pid`, "utf8"));
      if (child.exitCode === null) process.kill(pid, "SIGTERM");
      await exited;
    }
  });
});
