/**
 * One alarm evaluation as a pure function (Prometheus' rules/alerting.go shape): the alarm, its current
 * state, the datapoints of its metric and the evaluation time in; the new state, CloudWatch's reason text
 * and reason data, and the transition (if any) out. The scheduler only feeds it and acts on the result.
 *
 * Missing data follows CloudWatch's "How alarm state is evaluated when data is missing"
 * (AlarmThatSendsEmail.md in awsdocs/amazon-cloudwatch-user-guide): the evaluation range is
 * N + max(⌊N/3⌋, 2) periods; with at least N real datapoints in it the most recent N decide and the
 * treat_missing_data setting is not used; with fewer, every real datapoint in the range counts and only
 * the shortfall is filled per the setting. Every row of the doc's two tables is a test in evaluate.test.ts.
 */
import type { AlarmConfig } from "../config/schema.js";
import type { AlarmStateValue, MetricDatapoint } from "../store/store.js";
import { cloudwatchIso, javaDouble, reasonDate } from "./format.js";

export interface CurrentAlarmState {
  state: AlarmStateValue;
  reason: string;
  reasonData: string | null;
}

export interface EvaluatedDatapoint {
  /** start of the period, ms */
  timestamp: number;
  value: number;
  sampleCount: number;
  breaching: boolean;
}

export interface AlarmEvaluation {
  state: AlarmStateValue;
  /** the new reason on a transition; the current one while the state holds */
  reason: string;
  reasonData: string | null;
  transition?: { from: AlarmStateValue; to: AlarmStateValue };
  /** starts of the periods whose datapoints breached and counted (where Samples come from) */
  breachingPeriods: number[];
  /** the still-open period took part (early firing) */
  early: boolean;
}

export const INITIAL_REASON = "Unchecked: Initial alarm creation";

type Comparison = AlarmConfig["comparison"];

const PHRASES: Record<Comparison, string> = {
  GreaterThanOrEqualToThreshold: "greater than or equal to",
  GreaterThanThreshold: "greater than",
  LessThanThreshold: "less than",
  LessThanOrEqualToThreshold: "less than or equal to",
};

export function comparisonPhrase(c: Comparison): string {
  return PHRASES[c];
}

export function breaches(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "GreaterThanThreshold":
      return value > threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
  }
}

export function statisticValue(dp: MetricDatapoint, statistic: AlarmConfig["statistic"]): number {
  switch (statistic) {
    case "Sum":
      return dp.sum;
    case "SampleCount":
      return dp.sampleCount;
    case "Minimum":
      return dp.minimum;
    case "Maximum":
      return dp.maximum;
    case "Average":
      return dp.sampleCount > 0 ? dp.sum / dp.sampleCount : 0;
  }
}

/** Whether early firing may apply: a statistic that only grows within a period, compared from above. */
export function earlyFiringAllowed(alarm: Pick<AlarmConfig, "statistic" | "comparison">): boolean {
  return (
    (alarm.statistic === "Sum" || alarm.statistic === "SampleCount" || alarm.statistic === "Maximum") &&
    (alarm.comparison === "GreaterThanOrEqualToThreshold" || alarm.comparison === "GreaterThanThreshold")
  );
}

/** `early` as configured, defaulting to on where it is allowed. */
export function earlyFiring(alarm: Pick<AlarmConfig, "statistic" | "comparison" | "early">): boolean {
  return earlyFiringAllowed(alarm) && (alarm.early ?? true);
}

/** CloudWatch's evaluation range: N + max(⌊N/3⌋, 2) periods. */
export function evaluationRange(n: number): number {
  return n + Math.max(Math.floor(n / 3), 2);
}

/** The time span whose datapoints an evaluation at `now` needs: the range, plus the open period when early. */
export function evaluationWindow(alarm: AlarmConfig, now: number): { start: number; end: number } {
  const p = alarm.period * 1000;
  const end = Math.floor(now / p) * p;
  return {
    start: end - evaluationRange(alarm.evaluation_periods) * p,
    end: earlyFiring(alarm) ? end + p : end,
  };
}

export function evaluateAlarm(
  alarm: AlarmConfig,
  current: CurrentAlarmState,
  datapoints: readonly MetricDatapoint[],
  now: number,
): AlarmEvaluation {
  const n = alarm.evaluation_periods;
  const m = alarm.datapoints_to_alarm ?? n;
  const p = alarm.period * 1000;
  const closedEnd = Math.floor(now / p) * p;
  const byStart = new Map(datapoints.map((d) => [d.timestamp, d]));

  // The open period takes part only when it already crosses: it can only stay crossed (spec: early firing).
  const open = byStart.get(closedEnd);
  const useOpen =
    earlyFiring(alarm) &&
    open !== undefined &&
    open.sampleCount > 0 &&
    (alarm.statistic !== "Sum" || open.minimum >= 0) &&
    breaches(statisticValue(open, alarm.statistic), alarm.comparison, alarm.threshold);
  const newestStart = useOpen ? closedEnd : closedEnd - p;
  const range = evaluationRange(n);
  const starts = Array.from({ length: range }, (_, i) => newestStart - (range - 1 - i) * p);

  const existing: EvaluatedDatapoint[] = [];
  for (const t of starts) {
    const d = byStart.get(t);
    if (!d || d.sampleCount === 0) continue;
    const value = statisticValue(d, alarm.statistic);
    existing.push({
      timestamp: t,
      value,
      sampleCount: d.sampleCount,
      breaching: breaches(value, alarm.comparison, alarm.threshold),
    });
  }
  const lastN = new Set(starts.slice(-n));
  const decision = decide(alarm, existing, n, m, lastN);
  const ctx = { alarm, n, m, now };
  const evaluated = decision.evaluated;
  const state: AlarmStateValue = decision.state === "retain" ? current.state : decision.state;
  const breachingPeriods =
    state === "ALARM" ? evaluated.filter((d) => d.breaching).map((d) => d.timestamp) : [];
  const base = { breachingPeriods, early: useOpen && evaluated.some((d) => d.timestamp === closedEnd) };
  if (state === current.state)
    return { ...base, state, reason: current.reason, reasonData: current.reasonData };
  // the reason is written only for a change: a state that holds keeps its reason
  return {
    ...base,
    state,
    reason: reasonText(ctx, state, evaluated, decision.filled),
    reasonData: reasonData(ctx, evaluated, starts[0]),
    transition: { from: current.state, to: state },
  };
}

interface Decision {
  state: AlarmStateValue | "retain";
  /** the real datapoints that were evaluated, oldest first */
  evaluated: EvaluatedDatapoint[];
  /** missing datapoints filled in by treat_missing_data */
  filled?: { count: number; as: "Breaching" | "NonBreaching" };
}

function decide(
  alarm: AlarmConfig,
  existing: EvaluatedDatapoint[],
  n: number,
  m: number,
  lastN: Set<number>,
): Decision {
  const k = existing.length;
  if (k >= n) {
    const evaluated = existing.slice(-n);
    const b = evaluated.filter((d) => d.breaching).length;
    return { state: b >= m ? "ALARM" : "OK", evaluated };
  }
  const fill = n - k;
  const b = existing.filter((d) => d.breaching).length;
  const g = k - b;
  switch (alarm.treat_missing_data) {
    case "breaching":
      return {
        state: b + fill >= m ? "ALARM" : "OK",
        evaluated: existing,
        filled: { count: fill, as: "Breaching" },
      };
    case "notBreaching":
      return {
        state: b >= m ? "ALARM" : "OK",
        evaluated: existing,
        filled: { count: fill, as: "NonBreaching" },
      };
    case "ignore":
      if (k === 0) return { state: "retain", evaluated: existing };
      return { state: b >= m ? "ALARM" : g > 0 ? "OK" : "retain", evaluated: existing };
    case "missing": {
      if (k === 0)
        return { state: "INSUFFICIENT_DATA", evaluated: existing, filled: { count: n, as: "NonBreaching" } };
      if (b >= m) return { state: "ALARM", evaluated: existing };
      if (g > 0) return { state: "OK", evaluated: existing };
      // Only breaching points, fewer than M. CloudWatch's table: `- - - - X` → INSUFFICIENT_DATA, but
      // `X - - - -` → ALARM: when the last N periods hold nothing, it goes on evaluating the last data it had.
      const recent = existing.some((d) => lastN.has(d.timestamp));
      return recent
        ? { state: "INSUFFICIENT_DATA", evaluated: existing, filled: { count: fill, as: "NonBreaching" } }
        : { state: "ALARM", evaluated: existing };
    }
  }
}

interface ReasonContext {
  alarm: AlarmConfig;
  n: number;
  m: number;
  now: number;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

function listPoints(points: EvaluatedDatapoint[]): string {
  return [...points]
    .reverse()
    .map((d) => `${javaDouble(d.value)} (${reasonDate(d.timestamp)})`)
    .join(", ");
}

function reasonText(
  ctx: ReasonContext,
  state: AlarmStateValue,
  evaluated: EvaluatedDatapoint[],
  filled?: Decision["filled"],
): string {
  if (state === "INSUFFICIENT_DATA") {
    const unknown = filled?.count ?? ctx.n;
    return `Insufficient Data: ${plural(unknown, "datapoint")} ${unknown === 1 ? "was" : "were"} unknown.`;
  }
  const toAlarm = state === "ALARM";
  const fillText = filled
    ? `${plural(filled.count, "missing datapoint")} ${filled.count === 1 ? "was" : "were"} treated as [${filled.as}]`
    : "";
  const threshold = javaDouble(ctx.alarm.threshold);
  const minimum = toAlarm ? ctx.m : ctx.n - ctx.m + 1;
  const tail = ` (minimum ${plural(minimum, "datapoint")} for ${toAlarm ? "OK -> ALARM" : "ALARM -> OK"} transition).`;
  let listed = evaluated.filter((d) => d.breaching === toAlarm);
  let negated = !toAlarm;
  if (listed.length === 0 && evaluated.length > 0) {
    // e.g. OK because missing points counted as good: show what was seen, as it was seen
    listed = evaluated.filter((d) => d.breaching !== toAlarm);
    negated = toAlarm;
  }
  if (listed.length === 0) {
    const periods = filled?.count ?? ctx.n;
    return `Threshold Crossed: no datapoints were received for ${plural(periods, "period")} and ${fillText}.`;
  }
  const verb = listed.length === 1 ? "was" : "were";
  const phrase = `${negated ? "not " : ""}${comparisonPhrase(ctx.alarm.comparison)}`;
  const head = `Threshold Crossed: ${listed.length} out of the last ${evaluated.length} datapoints [${listPoints(listed)}] ${verb} ${phrase} the threshold (${threshold})`;
  return `${head}${fillText ? ` and ${fillText}` : ""}${tail}`;
}

/** CloudWatch's StateReasonData. */
function reasonData(ctx: ReasonContext, evaluated: EvaluatedDatapoint[], rangeStart: number): string {
  return JSON.stringify({
    version: "1.0",
    queryDate: cloudwatchIso(ctx.now),
    startDate: cloudwatchIso(evaluated[0]?.timestamp ?? rangeStart),
    statistic: ctx.alarm.statistic,
    period: ctx.alarm.period,
    recentDatapoints: evaluated.map((d) => d.value),
    threshold: ctx.alarm.threshold,
    evaluatedDatapoints: [...evaluated].reverse().map((d) => ({
      timestamp: cloudwatchIso(d.timestamp),
      sampleCount: d.sampleCount,
      value: d.value,
    })),
  });
}
