/**
 * The daemon as a user runs it: `mamori serve --config F`, fed over HTTP ingest; SIGHUP with a broken
 * file keeps the old config running, SIGHUP with a good one switches, SIGTERM drains and exits 0.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { runCli, spawnCli } from "../../src/testing/cli.js";
import { freePort, waitFor } from "../../src/testing/wait.js";

async function post(port: number, group: string, message: string): Promise<number | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v1/logs/${encodeURIComponent(group)}/s1`, {
      method: "POST",
      headers: { authorization: "Bearer tok", "content-type": "application/json" },
      body: JSON.stringify({ events: [{ timestamp: Date.UTC(2026, 10, 25), message }] }),
    });
    return res.status;
  } catch {
    return undefined;
  }
}

const config = (dataDir: string, port: number) =>
  `data_dir: ${dataDir}\nsources:\n  - type: http\n    listen: 127.0.0.1:${port}\n    tokens: [tok]\n`;

describe("mamori serve: reload and shutdown", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-serve-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("keeps the old config on a bad reload, switches on a good one, drains on SIGTERM", async () => {
    const dataDir = path.join(dir, "data");
    const file = path.join(dir, "mamori.yaml");
    const [p1, p2] = [await freePort(), await freePort()];
    fs.writeFileSync(file, config(dataDir, p1));
    const child = spawnCli(["serve", "--no-http", "--config", file]);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      assert.equal(await waitFor("the first config to serve", () => post(p1, "g", "one")), 200);

      fs.writeFileSync(file, `${config(dataDir, p2)}bogus_key: 1\n`);
      child.kill("SIGHUP");
      await waitFor("the reload to be refused", () => stderr.includes("reload refused") || undefined);
      assert.match(stderr, /mamori\.yaml:6:1: unknown key \\"bogus_key\\"/);
      assert.equal(await post(p1, "g", "two"), 200, "the old config still runs");

      fs.writeFileSync(file, config(dataDir, p2));
      child.kill("SIGHUP");
      assert.equal(await waitFor("the new config to serve", () => post(p2, "g", "three")), 200);
      assert.equal(await post(p1, "g", "lost"), undefined, "the old listener is closed");

      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      child.kill("SIGKILL");
    }
    const r = await runCli(["logs", "filter", "g", "--config", file, "--json"]);
    assert.deepEqual(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).message),
      ["one", "two", "three"],
    );
  });
});
