// Delivered-file sources open their files by the same rules as the file source (#12 items 3 and 4).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, lchownSync, symlinkSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { writeFlowLogFile } from "../../../bench/gen/files.js";
import { VPC_DEFAULT_V2_FIELDS, vpcFlowLines } from "../../../bench/gen/vpc-flow.js";
import type { OnceFileSource } from "../shared/once-files.js";
import { testContext } from "../shared/testing/context.js";
import { captureLog } from "../shared/testing/log.js";
import { vpcFlowSourceSchema } from "./config.js";
import { vpcFlow } from "./index.js";

test("vpc-flow: a FIFO and a symlink to a file its owner cannot read are refused and counted; the rest is read", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mamori-vpc-"));
  try {
    const lines = [...vpcFlowLines(20, { seed: 7 })];
    writeFlowLogFile(path.join(dir, "good.log"), lines, VPC_DEFAULT_V2_FIELDS);
    execFileSync("mkfifo", [path.join(dir, "pipe.log")]);
    symlinkSync("/etc/shadow", path.join(dir, "shadow.log"));
    const nobody = Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }));
    lchownSync(path.join(dir, "shadow.log"), nobody, nobody);
    chmodSync(dir, 0o777);
    const captured = captureLog();
    const t = testContext({ id: "vpc", log: captured.log });
    const config = vpcFlowSourceSchema.parse({
      type: "vpc-flow",
      path: `${dir}/*.log`,
      group: "vpc",
      follow_symlinks: true,
    });
    const s = vpcFlow.create(config, t.ctx) as OnceFileSource;
    await s.scan();
    assert.deepEqual(
      (await t.stored("vpc")).map((e) => e.message),
      lines,
    );
    assert.equal(s.stats().files_refused, 2);
    const warned = captured.warnings("cannot read this file").map((l) => l.msg);
    assert.equal(warned.length, 2);
    assert.ok(warned.some((m) => /pipe\.log: refused: not a regular file \(a FIFO\)/.test(m)));
    assert.ok(warned.some((m) => /shadow\.log: refused: a symlink owned by uid/.test(m)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
