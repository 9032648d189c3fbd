import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { flowLogText, writeFlowLogFile } from "../../../bench/gen/files.js";
import { VPC_CUSTOM_29_FIELDS, VPC_DEFAULT_V2_FIELDS, vpcFlowLines } from "../../../bench/gen/vpc-flow.js";
import type { ManualClock } from "../../core/clock.js";
import { waitFor } from "../../testing/wait.js";
import { OnceFileSource } from "../shared/once-files.js";
import { type TestContext, testContext } from "../shared/testing/context.js";
import { vpcFlowSourceSchema } from "./config.js";
import { vpcFlow } from "./index.js";
import { NO_INTERFACE_STREAM, VpcFlowParser } from "./parser.js";

const CUSTOM_FORMAT = VPC_CUSTOM_29_FIELDS.map((f) => `\${${f}}`).join(" ");

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mamori-vpc-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function source(dir: string, t: TestContext, extra: Record<string, unknown> = {}) {
  const config = vpcFlowSourceSchema.parse({
    type: "vpc-flow",
    path: `${dir}/**/*.log*`,
    group: "vpc",
    ...extra,
  });
  return vpcFlow.create(config, t.ctx) as OnceFileSource;
}

test("reads custom-format .log.gz and default .log files: stream = interface, time = start, line as is", async () => {
  await withDir(async (dir) => {
    const custom = [...vpcFlowLines(200, { seed: 3, fields: VPC_CUSTOM_29_FIELDS })];
    writeFlowLogFile(path.join(dir, "a/b/c/custom.log.gz"), custom, VPC_CUSTOM_29_FIELDS);
    const plain = [...vpcFlowLines(50, { seed: 4 })];
    writeFlowLogFile(path.join(dir, "plain.log"), plain, VPC_DEFAULT_V2_FIELDS, { header: false });
    const t = testContext({ id: "vpc" });
    const s = source(dir, t, { format: CUSTOM_FORMAT });
    await s.scan();
    const stored = await t.stored("vpc");
    assert.equal(stored.length, 250);
    const messages = new Set(stored.map((e) => e.message));
    for (const line of [...custom, ...plain]) assert.ok(messages.has(line), `stored as is: ${line}`);
    // plain.log has no header and the configured format is the custom one: its 14-field lines are counted
    assert.equal(s.stats().field_count_mismatch, 50);
    const first = stored.find((e) => e.message === custom[0])!;
    const values = Object.fromEntries(VPC_CUSTOM_29_FIELDS.map((f, i) => [f, custom[0].split(" ")[i]]));
    assert.equal(first.stream, values["interface-id"]);
    assert.equal(first.timestamp, Number(values.start) * 1000);
    const nodata = custom.filter((l) => l.includes(" NODATA "));
    assert.equal(s.stats().nodata, nodata.length);
    assert.ok(nodata.length > 0, "the sample holds NODATA records (kept)");
  });
});

test("a file's header line wins over a configured format that disagrees (counted)", async () => {
  await withDir(async (dir) => {
    const lines = [...vpcFlowLines(20, { seed: 9 })]; // default v2 records, with their header
    writeFlowLogFile(path.join(dir, "v2.log.gz"), lines, VPC_DEFAULT_V2_FIELDS);
    const t = testContext({ id: "vpc" });
    const s = source(dir, t, { format: CUSTOM_FORMAT });
    await s.scan();
    const stored = await t.stored("vpc");
    assert.equal(stored.length, 20);
    assert.equal(stored[0].stream, lines[0].split(" ")[2]); // interface-id is v2's 3rd field
    assert.equal(s.stats().format_mismatch, 1);
    assert.equal(s.stats().field_count_mismatch, 0);
  });
});

test("each file is read once: a restart does not re-ingest, a new file is picked up", async () => {
  await withDir(async (dir) => {
    writeFlowLogFile(path.join(dir, "one.log.gz"), vpcFlowLines(30, { seed: 1 }));
    const t = testContext({ id: "vpc" });
    await source(dir, t).scan();
    const again = source(dir, testContext({ id: "vpc", store: t.store })); // a restart: same store
    await again.scan();
    assert.equal((await t.stored("vpc")).length, 30);
    assert.equal(again.stats().files_read, 0, "the done file was recognised by its checkpoint, not re-read");
    writeFlowLogFile(path.join(dir, "later/two.log.gz"), vpcFlowLines(5, { seed: 2 }));
    await again.scan();
    assert.equal((await t.stored("vpc")).length, 35);
  });
});

test("kill -9 mid-file: resumes at the next record, nothing lost, nothing twice", async () => {
  await withDir(async (dir) => {
    const lines = [...vpcFlowLines(95, { seed: 5 })];
    writeFlowLogFile(path.join(dir, "big.log.gz"), lines);
    const t = testContext({ id: "vpc" });
    const make = (ctx: TestContext) =>
      new OnceFileSource(
        {
          paths: [`${dir}/*.log.gz`],
          group: "vpc",
          pollInterval: 5,
          parser: new VpcFlowParser(undefined, ctx.ctx.log),
          batchSize: 10,
        },
        ctx.ctx,
      );
    t.failAfter = 3; // three batches commit, then the store goes away mid-file
    await assert.rejects(make(t).scan(), /simulated crash/);
    assert.equal((await t.stored("vpc")).length, 30);
    const restarted = testContext({ id: "vpc", store: t.store });
    await make(restarted).scan();
    assert.deepEqual(
      (await t.stored("vpc")).map((e) => e.message),
      lines,
      "every record exactly once, in file order",
    );
  });
});

test("a truncated .gz is reported and retried later, never half-ingested", async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, "late.log.gz");
    const whole = gzipSync(flowLogText(vpcFlowLines(40, { seed: 6 })));
    await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2)));
    const t = testContext({ id: "vpc" });
    const clock = t.clock as ManualClock;
    const s = source(dir, t);
    await s.scan();
    assert.equal((await t.stored("vpc")).length, 0);
    assert.equal(s.stats().files_corrupt, 1);
    await s.scan(); // before the retry time, the same truncated file is not read again
    assert.equal(s.stats().files_read + s.stats().files_corrupt, 1);
    clock.advance(5_000);
    await s.scan(); // retried: still truncated
    assert.equal(s.stats().files_corrupt, 2);
    await writeFile(file, whole); // the copy completes
    await s.scan(); // changed size: read at once
    assert.equal((await t.stored("vpc")).length, 40);
    await s.scan();
    assert.equal((await t.stored("vpc")).length, 40);
  });
});

test("a plain .log still being written waits for its last newline (or until it stops changing)", async () => {
  await withDir(async (dir) => {
    const file = path.join(dir, "growing.log");
    const text = flowLogText(vpcFlowLines(3, { seed: 7 }));
    await writeFile(file, text.slice(0, -20));
    const t = testContext({ id: "vpc" });
    const s = source(dir, t);
    await s.scan();
    assert.equal((await t.stored("vpc")).length, 0);
    assert.equal(s.stats().files_incomplete, 1);
    await writeFile(file, text.slice(0, -1)); // complete but without a final newline, and then unchanged
    await s.scan();
    assert.equal((await t.stored("vpc")).length, 0);
    (t.clock as ManualClock).advance(5_000);
    await s.scan();
    assert.equal((await t.stored("vpc")).length, 3);
  });
});

test("records without interface-id or start still become events", async () => {
  await withDir(async (dir) => {
    const fields = ["version", "srcaddr", "dstaddr", "bytes"];
    writeFlowLogFile(path.join(dir, "min.log"), ["5 10.0.0.1 198.51.100.7 250000"], fields);
    const t = testContext({ id: "vpc" });
    const s = source(dir, t);
    await s.scan();
    const [e] = await t.stored("vpc");
    assert.equal(e.stream, NO_INTERFACE_STREAM);
    assert.equal(e.timestamp, t.clock.now());
    assert.equal(s.stats().no_start, 1);
  });
});

test("run() polls on the Clock and picks up new files", async () => {
  await withDir(async (dir) => {
    const t = testContext({ id: "vpc" });
    const clock = t.clock as ManualClock;
    const s = source(dir, t, { poll_interval: "30s" });
    const ac = new AbortController();
    const running = s.run(ac.signal);
    try {
      await waitFor("the first scan", () => s.stats().scans === 1 && clock.pending() === 1);
      writeFlowLogFile(path.join(dir, "x/new.log.gz"), vpcFlowLines(7, { seed: 8 }));
      clock.advance(29_000);
      assert.equal(s.stats().scans, 1);
      clock.advance(1_000);
      await waitFor("the second scan", () => s.stats().scans === 2);
      assert.equal((await t.stored("vpc")).length, 7);
    } finally {
      ac.abort();
      await running;
    }
  });
});
