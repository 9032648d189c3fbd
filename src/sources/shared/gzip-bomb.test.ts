import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { cloudTrailRecords } from "../../../bench/gen/cloudtrail.js";
import { writeCloudTrailFile } from "../../../bench/gen/files.js";
import { cloudtrailSourceSchema } from "../cloudtrail/config.js";
import { cloudtrail } from "../cloudtrail/index.js";
import { vpcFlowSourceSchema } from "../vpc-flow/config.js";
import { vpcFlow } from "../vpc-flow/index.js";
import type { OnceFileSource } from "./once-files.js";
import { DEFAULT_MAX_FILE_BYTES } from "./read-file.js";
import { testContext } from "./testing/context.js";
import { scanInChild, writeGzipBomb } from "./testing/gzip-bomb.js";

const MiB = 1024 * 1024;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mamori-gzbomb-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const sources = {
  cloudtrail: (dir: string, max?: number) =>
    cloudtrailSourceSchema.parse({
      type: "cloudtrail",
      path: `${dir}/*.gz`,
      group: "g",
      max_file_bytes: max,
    }),
  "vpc-flow": (dir: string, max?: number) =>
    vpcFlowSourceSchema.parse({ type: "vpc-flow", path: `${dir}/*.gz`, group: "g", max_file_bytes: max }),
};

for (const type of ["cloudtrail", "vpc-flow"] as const) {
  test(`${type}: a file over max_file_bytes once unpacked is reported, counted, skipped; the next file is read`, async () => {
    await withDir(async (dir) => {
      await writeGzipBomb(path.join(dir, "a-bomb.json.gz"), 4 * MiB);
      writeCloudTrailFile(path.join(dir, "b-good.json.gz"), cloudTrailRecords(3, 1));
      const t = testContext({ id: "s" });
      const create = (max?: number) =>
        (type === "cloudtrail"
          ? cloudtrail.create(sources.cloudtrail(dir, max) as never, t.ctx)
          : vpcFlow.create(sources["vpc-flow"](dir, max) as never, t.ctx)) as OnceFileSource;
      const source = create(MiB);
      await source.scan();
      await source.scan(); // not read again, not counted again
      assert.equal(source.stats().files_too_large, 1);
      assert.equal(source.stats().files_corrupt, 0, "too large is not mistaken for a half-copied gzip");
      assert.equal(source.stats().files_read, 1, "only the good file was read");
      if (type === "cloudtrail") assert.equal((await t.stored("g")).length, 3);
      const cp = JSON.parse((await t.store.logs.getCheckpoint("s", path.join(dir, "a-bomb.json.gz")))!);
      assert.equal(cp.skipped, "too_large");

      // a higher cap (after a restart with a changed config) reads the skipped file after all
      const raised = create(8 * MiB);
      await raised.scan();
      assert.equal(raised.stats().files_too_large, 0);
      assert.equal(raised.stats().files_read, 1, "the file skipped before is read now");
    });
  });
}

test("a plain file over the cap is skipped before it is read", async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, "big.json.gz");
    await writeGzipBomb(file, 64);
    const t = testContext({ id: "s" });
    const source = cloudtrail.create(
      sources.cloudtrail(dir, (await stat(file)).size - 1),
      t.ctx,
    ) as OnceFileSource;
    await source.scan();
    assert.equal(source.stats().files_too_large, 1);
  });
});

test("a 0.5 MB gzip of 512 MiB whitespace: skipped with the default 64 MiB cap, peak memory bounded (child process)", async () => {
  await withDir(async (dir) => {
    const size = await writeGzipBomb(path.join(dir, "a-bomb.json.gz"), 512 * MiB);
    assert.ok(size < 1024 * 1024, `the bomb is small on disk (${size} bytes)`);
    writeCloudTrailFile(path.join(dir, "b-good.json.gz"), cloudTrailRecords(5, 2));
    const r = await scanInChild(dir);
    assert.equal(DEFAULT_MAX_FILE_BYTES, 64 * MiB);
    assert.equal(r.stats.files_too_large, 1);
    assert.equal(r.stored, 5, "the source went on to the next file");
    assert.ok(r.maxRssMiB < 400, `peak RSS ${r.maxRssMiB} MiB stays far below the 512 MiB unpacked`);
  });
});
