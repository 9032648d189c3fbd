import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { runCli, spawnCli } from "../testing/cli.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "mamori-logfmt-"));
const config = path.join(dir, "mamori.yaml");
writeFileSync(config, `data_dir: ${JSON.stringify(path.join(dir, "data"))}\n`);
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `mamori serve` until it says it is running, stops it with SIGTERM, returns its stderr. */
function serveStderr(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(["serve", "--no-http", "--config", config, ...args], {
      env: { MAMORI_LOG_FORMAT: "", ...env },
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      if (stderr.includes("mamori is running")) child.kill("SIGTERM");
    });
    child.on("error", reject);
    child.on("close", () => resolve(stderr));
  });
}

describe("serve --log-format", () => {
  it("pretty prints readable lines: time, level, message, fields", async () => {
    const lines = (await serveStderr(["--log-format", "pretty"])).trim().split("\n");
    assert.match(lines[0], /^\d\d:\d\d:\d\d\.\d{3} INFO {2}configuration loaded {2}config=\S+mamori\.yaml$/);
    assert.ok(
      lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} INFO {2}mamori is running {2}sources=\[\]/.test(l)),
      lines.join("\n"),
    );
    assert.ok(
      lines.every((l) => !l.startsWith("{")),
      "no JSON line",
    );
  });

  it("json prints pino JSON lines, and is the default when stderr is not a terminal", async () => {
    for (const args of [["--log-format", "json"], []]) {
      const lines = (await serveStderr(args)).trim().split("\n");
      const records = lines.map((l) => JSON.parse(l) as { msg: string; level: number });
      assert.deepEqual(records[0].msg, "configuration loaded");
      assert.ok(records.some((r) => r.msg === "mamori is running"));
    }
  });

  it("MAMORI_LOG_FORMAT chooses when the flag is not given", async () => {
    const stderr = await serveStderr([], { MAMORI_LOG_FORMAT: "pretty" });
    assert.match(stderr, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}configuration loaded/);
  });

  it("an unknown format is a usage error (exit 2) that names the choices", async () => {
    const r = await runCli(["serve", "--no-http", "--config", config, "--log-format", "xml"]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /--log-format <format>' argument 'xml' is invalid\. Allowed choices are json, pretty/,
    );
  });
});
