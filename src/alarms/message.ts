/** The CloudWatch alarm notification JSON (as SNS delivers it), plus mamori's Samples. */
import type { AlarmConfig } from "../config/schema.js";
import type { AlarmMessage } from "../notify/types.js";
import type { AlarmStateValue } from "../store/store.js";
import { cloudwatchIso } from "./format.js";

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
