/** The CloudWatch alarm notification JSON (as SNS delivers it), plus mamori's Samples. */
import type { AlarmConfig } from "../config/schema.js";
import type { AlarmStateValue } from "../store/store.js";
import { cloudwatchIso } from "./format.js";

/** The CloudWatch alarm notification JSON, plus mamori's Samples. */
export interface AlarmMessage {
  AlarmName: string;
  AlarmDescription: string | null;
  AWSAccountId?: string;
  NewStateValue: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  NewStateReason: string;
  /** ISO 8601, e.g. 2026-11-25T08:21:45.123+0000 */
  StateChangeTime: string;
  Region?: string;
  OldStateValue: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  Trigger: {
    MetricName: string;
    Namespace: string;
    StatisticType: "Statistic";
    Statistic: string;
    Unit: string | null;
    Dimensions: Array<{ name: string; value: string }>;
    Period: number;
    EvaluationPeriods: number;
    DatapointsToAlarm: number;
    ComparisonOperator: string;
    Threshold: number;
    TreatMissingData: string;
  };
  /** up to 10 log events that made the alarm fire */
  Samples: Array<{ timestamp: number; logGroup: string; logStream: string; message: string }>;
}

/** SNS alarm messages spell statistics as enum constants. */
const STATISTIC: Record<AlarmConfig["statistic"], string> = {
  Sum: "SUM",
  Average: "AVERAGE",
  Minimum: "MINIMUM",
  Maximum: "MAXIMUM",
  SampleCount: "SAMPLE_COUNT",
};

export function buildAlarmMessage(args: {
  alarm: AlarmConfig;
  from: AlarmStateValue;
  to: AlarmStateValue;
  reason: string;
  at: number;
  unit?: string;
  samples: AlarmMessage["Samples"];
}): AlarmMessage {
  const { alarm } = args;
  return {
    AlarmName: alarm.name,
    AlarmDescription: alarm.description || null,
    NewStateValue: args.to,
    NewStateReason: args.reason,
    StateChangeTime: cloudwatchIso(args.at),
    OldStateValue: args.from,
    Trigger: {
      MetricName: alarm.metric.name,
      Namespace: alarm.metric.namespace,
      StatisticType: "Statistic",
      Statistic: STATISTIC[alarm.statistic],
      Unit: args.unit ?? null,
      Dimensions: Object.entries(alarm.metric.dimensions ?? {}).map(([name, value]) => ({ name, value })),
      Period: alarm.period,
      EvaluationPeriods: alarm.evaluation_periods,
      DatapointsToAlarm: alarm.datapoints_to_alarm ?? alarm.evaluation_periods,
      ComparisonOperator: alarm.comparison,
      Threshold: alarm.threshold,
      TreatMissingData: alarm.treat_missing_data,
    },
    Samples: args.samples,
  };
}
