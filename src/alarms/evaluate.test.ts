import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AlarmConfig, alarmSchema } from "../config/schema.js";
import type { AlarmStateValue, MetricDatapoint } from "../store/store.js";
import {
  type CurrentAlarmState,
  evaluateAlarm,
  evaluationRange,
  evaluationWindow,
  INITIAL_REASON,
} from "./evaluate.js";
import { cloudwatchIso, emailDate, javaDouble, reasonDate } from "./format.js";
import { MODES, TABLES } from "./testing/missing-data-tables.js";

const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const MIN = 60_000;

function alarm(over: Record<string, unknown> = {}): AlarmConfig {
  return alarmSchema.parse({
    name: "a",
    metric: { namespace: "N", name: "M" },
    statistic: "Sum",
    period: 300,
    evaluation_periods: 3,
    threshold: 5,
    comparison: "GreaterThanThreshold",
    ...over,
  });
}

function dp(timestamp: number, value: number, count = 1): MetricDatapoint {
  return { timestamp, sum: value, sampleCount: count, minimum: value, maximum: value };
}

const initial: CurrentAlarmState = { state: "INSUFFICIENT_DATA", reason: INITIAL_REASON, reasonData: null };
const inState = (state: AlarmStateValue): CurrentAlarmState => ({
  state,
  reason: `was ${state}`,
  reasonData: null,
});

/** "0 - X - X" (oldest first, as in CloudWatch's table) → datapoints of the 5 periods before `now`. */
function row(points: string, a: AlarmConfig, now: number): MetricDatapoint[] {
  const cells = points.split(/\s+/);
  const p = a.period * 1000;
  const end = Math.floor(now / p) * p;
  assert.equal(cells.length, evaluationRange(a.evaluation_periods));
  return cells.flatMap((c, i) => {
    const t = end - (cells.length - i) * p;
    if (c === "-") return [];
    return [dp(t, c === "X" ? 10 : 0)];
  });
}

describe("evaluateAlarm: CloudWatch's missing-data tables, every row and column", () => {
  for (const { title, rows, m } of TABLES) {
    for (const [points, ...outcomes] of rows) {
      MODES.forEach((mode, i) => {
        it(`${title}: ${points} treated as ${mode} → ${outcomes[i]}`, () => {
          const a = alarm({ treat_missing_data: mode, datapoints_to_alarm: m });
          const now = T0 + 30 * MIN + 10_000;
          for (const before of ["OK", "ALARM", "INSUFFICIENT_DATA"] as const) {
            const r = evaluateAlarm(a, inState(before), row(points, a, now), now);
            const want = outcomes[i] === "retain" ? before : outcomes[i];
            assert.equal(r.state, want, `from ${before}`);
            if (r.state === before) assert.equal(r.transition, undefined);
            else assert.deepEqual(r.transition, { from: before, to: want });
          }
        });
      });
    }
  }

  it("row 2 as the doc tells it: breaching keeps OK now, and goes to ALARM one period later", () => {
    const a = alarm({ treat_missing_data: "breaching" });
    const now = T0 + 30 * MIN + 10_000;
    const data = row("0 - - - -", a, now);
    const first = evaluateAlarm(a, inState("OK"), data, now);
    assert.equal(first.state, "OK");
    const later = evaluateAlarm(a, inState("OK"), data, now + 5 * MIN);
    assert.equal(later.state, "ALARM");
    assert.equal(
      later.reason,
      "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].",
    );
  });
});

describe("evaluateAlarm: statistics and comparisons", () => {
  const t = T0;
  // one period holding the values 1, 2, 6 → Sum 9, Average 3, Minimum 1, Maximum 6, SampleCount 3
  const data: MetricDatapoint[] = [{ timestamp: t, sum: 9, sampleCount: 3, minimum: 1, maximum: 6 }];
  const cases: Array<[AlarmConfig["statistic"], AlarmConfig["comparison"], number, AlarmStateValue]> = [
    ["Sum", "GreaterThanOrEqualToThreshold", 9, "ALARM"],
    ["Sum", "GreaterThanThreshold", 9, "OK"],
    ["Average", "GreaterThanOrEqualToThreshold", 3, "ALARM"],
    ["Average", "LessThanThreshold", 3, "OK"],
    ["Average", "LessThanOrEqualToThreshold", 3, "ALARM"],
    ["Minimum", "LessThanThreshold", 2, "ALARM"],
    ["Minimum", "LessThanOrEqualToThreshold", 0.5, "OK"],
    ["Maximum", "GreaterThanThreshold", 5.5, "ALARM"],
    ["Maximum", "GreaterThanOrEqualToThreshold", 7, "OK"],
    ["SampleCount", "GreaterThanOrEqualToThreshold", 3, "ALARM"],
    ["SampleCount", "LessThanThreshold", 3, "OK"],
  ];
  for (const [statistic, comparison, threshold, want] of cases) {
    it(`${statistic} ${comparison} ${threshold} → ${want}`, () => {
      const a = alarm({ statistic, comparison, threshold, period: 60, evaluation_periods: 1, early: false });
      const r = evaluateAlarm(a, initial, data, t + MIN + 5_000);
      assert.equal(r.state, want);
    });
  }
});

describe("evaluateAlarm: M out of N", () => {
  const a = alarm({
    period: 60,
    evaluation_periods: 5,
    datapoints_to_alarm: 3,
    threshold: 1,
    comparison: "GreaterThanOrEqualToThreshold",
    early: false,
  });
  const now = T0 + 10 * MIN + 1_000;
  const series = (values: number[]) => values.map((v, i) => dp(T0 + (10 - values.length + i) * MIN, v));
  it("3 breaching out of the last 5 → ALARM, not consecutive", () => {
    assert.equal(evaluateAlarm(a, initial, series([1, 0, 1, 0, 1]), now).state, "ALARM");
  });
  it("2 breaching out of the last 5 → OK", () => {
    assert.equal(evaluateAlarm(a, initial, series([1, 0, 0, 0, 1]), now).state, "OK");
  });
  it("a breach older than the last 5 real datapoints no longer counts", () => {
    assert.equal(evaluateAlarm(a, initial, series([1, 1, 0, 0, 1, 0, 1]), now).state, "OK");
  });
  it("reason lists the breaching datapoints newest first, with the M of N minimum", () => {
    const r = evaluateAlarm(a, initial, series([2, 0, 1.5, 0, 3]), now);
    assert.equal(
      r.reason,
      "Threshold Crossed: 3 out of the last 5 datapoints [3.0 (25/11/26 08:09:00), 1.5 (25/11/26 08:07:00), 2.0 (25/11/26 08:05:00)] were greater than or equal to the threshold (1.0) (minimum 3 datapoints for OK -> ALARM transition).",
    );
    assert.deepEqual(r.breachingPeriods, [T0 + 5 * MIN, T0 + 7 * MIN, T0 + 9 * MIN]);
  });
});

describe("evaluateAlarm: reasons as CloudWatch writes them", () => {
  const ssh = alarm({
    period: 60,
    evaluation_periods: 1,
    threshold: 1,
    comparison: "GreaterThanOrEqualToThreshold",
    treat_missing_data: "notBreaching",
    early: false,
  });
  const at = Date.UTC(2026, 10, 25, 8, 21, 0);
  it("the spec's example", () => {
    const r = evaluateAlarm(ssh, initial, [dp(at, 6, 6)], at + MIN + 5_000);
    assert.equal(r.state, "ALARM");
    assert.equal(
      r.reason,
      "Threshold Crossed: 1 out of the last 1 datapoints [6.0 (25/11/26 08:21:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).",
    );
    assert.deepEqual(r.transition, { from: "INSUFFICIENT_DATA", to: "ALARM" });
    const data = JSON.parse(r.reasonData!);
    assert.equal(data.version, "1.0");
    assert.equal(data.queryDate, "2026-11-25T08:22:05.000+0000");
    assert.deepEqual(data.recentDatapoints, [6]);
    assert.deepEqual(data.evaluatedDatapoints, [
      { timestamp: "2026-11-25T08:21:00.000+0000", sampleCount: 6, value: 6 },
    ]);
  });
  it("back to OK", () => {
    const r = evaluateAlarm(ssh, inState("ALARM"), [dp(at, 0)], at + MIN + 5_000);
    assert.equal(
      r.reason,
      "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (25/11/26 08:21:00)] was not greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).",
    );
  });
  it("no data, treated as not breaching", () => {
    const r = evaluateAlarm(ssh, inState("ALARM"), [], at + MIN + 5_000);
    assert.equal(r.state, "OK");
    assert.equal(
      r.reason,
      "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].",
    );
  });
  it("insufficient data", () => {
    const r = evaluateAlarm({ ...ssh, treat_missing_data: "missing" }, inState("OK"), [], at);
    assert.equal(r.reason, "Insufficient Data: 1 datapoint was unknown.");
  });
  it("the state holding keeps the reason it had (reasons change on transitions only)", () => {
    const r = evaluateAlarm(
      ssh,
      { state: "ALARM", reason: "old", reasonData: "{}" },
      [dp(at, 2)],
      at + MIN + 1,
    );
    assert.equal(r.transition, undefined);
    assert.equal(r.reason, "old");
    assert.equal(r.reasonData, "{}");
  });
});

describe("evaluateAlarm: early firing", () => {
  const base = {
    period: 60,
    evaluation_periods: 1,
    threshold: 1,
    comparison: "GreaterThanOrEqualToThreshold",
    treat_missing_data: "notBreaching",
  };
  const open = T0 + 5 * MIN;
  const now = open + 15_000; // 15 s into the open period
  it("Sum already crossing in the open period fires at once (default on)", () => {
    const r = evaluateAlarm(alarm(base), initial, [dp(open, 1)], now);
    assert.equal(r.state, "ALARM");
    assert.equal(r.early, true);
    assert.deepEqual(r.breachingPeriods, [open]);
    assert.match(r.reason, /\[1\.0 \(25\/11\/26 08:05:00\)\]/);
  });
  it("an open period not crossing yet is left out (it could still cross)", () => {
    const r = evaluateAlarm(alarm({ ...base, threshold: 2 }), initial, [dp(open, 1)], now);
    assert.equal(r.state, "OK");
    assert.equal(r.early, false);
  });
  it("early: false waits for the period to close", () => {
    const a = alarm({ ...base, early: false });
    assert.equal(evaluateAlarm(a, initial, [dp(open, 1)], now).state, "OK");
    assert.equal(evaluateAlarm(a, initial, [dp(open, 1)], open + MIN + 1).state, "ALARM");
  });
  const notEarly: Array<[string, Record<string, unknown>]> = [
    ["Average", { statistic: "Average" }],
    ["Minimum", { statistic: "Minimum" }],
    ["LessThanThreshold", { comparison: "LessThanThreshold", threshold: 5 }],
  ];
  for (const [what, over] of notEarly) {
    it(`${what} never fires early (a partial period could still change its mind)`, () => {
      const a = alarm({ ...base, ...over });
      assert.equal(evaluateAlarm(a, initial, [dp(open, 1)], now).early, false);
      assert.equal(evaluationWindow(a, now).end, open);
    });
  }
  it("Sum with a negative value in the open period does not fire early (it could still fall)", () => {
    const d = { timestamp: open, sum: 3, sampleCount: 2, minimum: -1, maximum: 4 };
    assert.equal(evaluateAlarm(alarm(base), initial, [d], now).state, "OK");
  });
  it("the window includes the open period only when early firing applies", () => {
    assert.deepEqual(evaluationWindow(alarm(base), now), { start: open - 3 * MIN, end: open + MIN });
  });
});

describe("format", () => {
  const cases: Array<[number, string]> = [
    [6, "6.0"],
    [0, "0.0"],
    [0.5, "0.5"],
    [1234567.25, "1234567.25"],
    [1e7, "1.0E7"],
    [123456789, "1.23456789E8"],
    [0.0001, "1.0E-4"],
    [-2, "-2.0"],
  ];
  for (const [x, want] of cases) it(`javaDouble(${x}) = ${want}`, () => assert.equal(javaDouble(x), want));
  it("dates", () => {
    const t = Date.UTC(2026, 10, 25, 8, 21, 45, 123);
    assert.equal(reasonDate(t), "25/11/26 08:21:45");
    assert.equal(cloudwatchIso(t), "2026-11-25T08:21:45.123+0000");
    assert.equal(emailDate(t), "Wednesday 25 November, 2026 08:21:45 UTC");
  });
});
