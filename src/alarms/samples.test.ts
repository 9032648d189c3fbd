/** Alarm samples are searched under the line budget: a hostile stored line cannot stall an alarm. */
import assert from "node:assert/strict";
import { it } from "node:test";
import { alarmSchema, metricFilterSchema } from "../config/schema.js";
import { compileMetricFilter } from "../metrics/filters.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { findSamples } from "./samples.js";

/** 240 KB of a and b in a fixed pseudo-random order: `%a.{999}c%` keeps ~500 automaton states alive per
 * character and no two alike, so its state cache never hits (about a minute unguarded). */
function wideRepeatBomb(): string {
  let seed = 1;
  let s = "";
  for (let i = 0; i < 240_000; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    s += seed < 0x40000000 ? "a" : "b";
  }
  return s;
}

it("skips a stored line that takes a %regex% pattern past the line budget and still finds the samples", async () => {
  const store = openSqliteStore(":memory:");
  const T = Date.UTC(2026, 10, 25, 8, 0, 0);
  const ev = (message: string, i: number) => ({
    group: "web",
    stream: "s",
    timestamp: T + i,
    ingestTime: T,
    message,
  });
  const match = `a${"x".repeat(999)}c`;
  await store.logs.ingest({
    events: [ev(match, 1), ev(wideRepeatBomb(), 2), ev(match, 3)],
    checkpoints: [],
    metricPoints: [],
  });
  const filter = compileMetricFilter(
    metricFilterSchema.parse({
      name: "slow",
      group: "web",
      pattern: "%a.{999}c%",
      metric: { namespace: "T", name: "slow", value: "1" },
    }),
  );
  const alarm = alarmSchema.parse({
    name: "x",
    metric: { namespace: "T", name: "slow" },
    statistic: "Sum",
    period: 60,
    evaluation_periods: 1,
    threshold: 1,
    comparison: "GreaterThanOrEqualToThreshold",
  });
  const t0 = performance.now();
  const samples = await findSamples(store.logs, alarm, [filter], [T]);
  const ms = performance.now() - t0;
  assert.deepEqual(
    samples.map((s) => s.timestamp - T),
    [1, 3],
  );
  assert.ok(ms < 8_000, `took ${ms.toFixed(0)} ms`);
  await store.close();
});
