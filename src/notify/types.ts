/**
 * What can be published to a topic. Alarms publish CloudWatch's alarm JSON (plus Samples);
 * jails publish ban notices. Each subscription type renders both.
 */

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

/** A jail banned (or unbanned) an address. */
export interface BanMessage {
  jail: string;
  ip: string;
  action: "ban" | "unban";
  failures: number;
  /** seconds; -1 = forever */
  bantime: number;
  /** ISO 8601 */
  time: string;
  /** the log lines that led to the ban (up to 10) */
  lines: string[];
  host: string;
}

export type Notification =
  | { kind: "alarm"; message: AlarmMessage }
  | { kind: "ban"; message: BanMessage }
  | { kind: "test"; message: { text: string; time: string; host: string } };

/** Where alarms and jails publish. Returns at once: delivery is queued per subscription. */
export interface Publisher {
  publish(topic: string, notification: Notification): void;
}
