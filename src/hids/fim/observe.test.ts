import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { HashPool } from "./hash-pool.js";
import { observe } from "./observe.js";
import { tempDir } from "./testing/harness.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("observe", () => {
  it("a file written between lstat and read is looked at again: size and hash are of the same moment", async () => {
    const dir = tempDir("observe-torn");
    dirs.push(dir);
    const file = path.join(dir, "ssh_config");
    fs.writeFileSync(file, ""); // truncated: what the walker's lstat saw
    const seen = fs.lstatSync(file);
    const content = "Host *\n    SendEnv LANG LC_*\n";
    fs.writeFileSync(file, content); // then written, before the hash reads it
    const pool = new HashPool(1);
    try {
      const o = await observe({ bytes: Buffer.from(file), stat: seen }, pool, 1 << 20);
      assert.ok(o);
      assert.equal(o.record.size, Buffer.byteLength(content), "the size of what was hashed, not lstat's 0");
      assert.equal(o.record.sha256, crypto.createHash("sha256").update(content).digest("hex"));
    } finally {
      await pool.close();
    }
  });
});
