import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { cloudTrailRecords } from "../../../bench/gen/cloudtrail.js";
import { cloudTrailKey, writeCloudTrailFile } from "../../../bench/gen/files.js";
import type { ManualClock } from "../../core/clock.js";
import type { OnceFileSource } from "../shared/once-files.js";
import { type TestContext, testContext } from "../shared/testing/context.js";
import { cloudtrailSourceSchema } from "./config.js";
import { cloudtrail } from "./index.js";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mamori-ct-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function source(dir: string, t: TestContext) {
  const config = cloudtrailSourceSchema.parse({
    type: "cloudtrail",
    path: [`${dir}/**/*.json.gz`, `${dir}/**/*.json`],
    group: "ct",
  });
  return cloudtrail.create(config, t.ctx) as OnceFileSource;
}

test("one event per record: compact JSON, eventTime, stream account_region", async () => {
  await withDir(async (dir) => {
    const records = [...cloudTrailRecords(60, 2)];
    writeCloudTrailFile(path.join(dir, cloudTrailKey(0)), records);
    const t = testContext({ id: "ct" });
    await source(dir, t).scan();
    const stored = await t.stored("ct");
    assert.equal(stored.length, 60);
    const byMessage = new Map(stored.map((e) => [e.message, e]));
    for (const r of records) {
      const e = byMessage.get(JSON.stringify(r));
      assert.ok(e, "the record's compact JSON is the message");
      assert.equal(e.timestamp, Date.parse(r.eventTime as string));
      assert.equal(e.stream, `${r.recipientAccountId}_${r.awsRegion}`);
    }
    assert.ok(
      stored.some((e) => e.stream === "123456789012_eu-west-1"),
      "records of several regions",
    );
  });
});

test("digests and non-CloudTrail JSON are skipped with a counted reason, once", async () => {
  await withDir(async (dir) => {
    const digestDir = path.join(dir, "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2023/11/25");
    await mkdir(digestDir, { recursive: true });
    const digest = {
      awsAccountId: "123456789012",
      digestStartTime: "2023-11-25T08:00:00Z",
      digestEndTime: "2023-11-25T09:00:00Z",
      digestS3Bucket: "b",
      logFiles: [],
    };
    await writeFile(
      path.join(digestDir, "123456789012_CloudTrail-Digest_us-east-1_20231125T090000Z.json.gz"),
      gzipSync(JSON.stringify(digest)),
    );
    await writeFile(path.join(dir, "stray-digest.json"), JSON.stringify(digest));
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "not-a-trail" }));
    await writeFile(path.join(dir, "broken.json.gz"), gzipSync('{"Records":[{"eventTime":'));
    await writeFile(path.join(dir, "list.json"), "[1,2]");
    const withAStray = [{ eventTime: "2023-11-25T08:00:00Z", recipientAccountId: "1", awsRegion: "r" }, 42];
    writeCloudTrailFile(path.join(dir, "ok.json.gz"), withAStray as Record<string, unknown>[]);
    const t = testContext({ id: "ct" });
    const s = source(dir, t);
    await s.scan();
    const stats = s.stats();
    assert.equal(stats.skipped_digest, 2);
    assert.equal(stats.skipped_not_cloudtrail, 2);
    assert.equal(stats.skipped_invalid_json, 1);
    assert.equal(stats.bad_records, 1, "a record that is not an object is dropped and counted");
    assert.deepEqual(
      (await t.stored("ct")).map((e) => e.stream),
      ["1_r"],
    );
    const restarted = source(dir, testContext({ id: "ct", store: t.store }));
    await restarted.scan();
    assert.equal(
      restarted.stats().files_skipped,
      0,
      "skips are checkpointed: not reconsidered after a restart",
    );
    assert.equal(restarted.stats().files_read, 0);
  });
});

test("once-only across a restart; a truncated .json.gz is retried, not half-ingested", async () => {
  await withDir(async (dir) => {
    writeCloudTrailFile(path.join(dir, cloudTrailKey(0)), cloudTrailRecords(25, 1));
    const late = path.join(dir, cloudTrailKey(1));
    const whole = gzipSync(JSON.stringify({ Records: [...cloudTrailRecords(15, 9)] }));
    await mkdir(path.dirname(late), { recursive: true });
    await writeFile(late, whole.subarray(0, whole.length - 12)); // the gzip trailer is missing
    const t = testContext({ id: "ct" });
    const s = source(dir, t);
    await s.scan();
    assert.equal((await t.stored("ct")).length, 25);
    assert.equal(s.stats().files_corrupt, 1);

    const restarted = testContext({ id: "ct", store: t.store, clock: t.clock });
    const s2 = source(dir, restarted);
    await writeFile(late, whole);
    (t.clock as ManualClock).advance(5_000);
    await s2.scan();
    assert.equal((await t.stored("ct")).length, 40);
    assert.equal(s2.stats().files_read, 1, "only the repaired file was read after the restart");
  });
});

test("a plain .json being written is retried until it parses", async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, "plain.json");
    const text = JSON.stringify({ Records: [...cloudTrailRecords(4, 3)] });
    await writeFile(file, text.slice(0, 100));
    const t = testContext({ id: "ct" });
    const s = source(dir, t);
    await s.scan();
    assert.equal(s.stats().files_incomplete, 1);
    await writeFile(file, text);
    await s.scan();
    assert.equal((await t.stored("ct")).length, 4);
  });
});
