import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { cliEntry, repoRoot, tsxLoader } from "../testing/cli.js";

test("a reader that closes the pipe early (`| head -1`) ends the command quietly, exit 0", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-pipe-"));
  try {
    const file = path.join(dir, "many.log");
    fs.writeFileSync(file, Array.from({ length: 200_000 }, (_, i) => `line ${i} Failed password\n`).join(""));
    const child = spawn(
      process.execPath,
      ["--import", tsxLoader, cliEntry, "pattern", "test", '"Failed"', file],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    // read the first chunk, then close our end as `head` does
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    assert.equal(stderr, "");
    assert.equal(code, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
