/**
 * CloudWatch's two tables from "How alarm state is evaluated when data is missing"
 * (awsdocs/amazon-cloudwatch-user-guide, AlarmThatSendsEmail.md), period 5 minutes, 3 evaluation periods,
 * evaluation range 5: data points oldest first (0 = not breaching, X = breaching, - = missing), then the
 * state for treat_missing_data = missing, ignore, breaching, notBreaching ("retain" = keep the current state).
 */
import type { AlarmStateValue } from "../../store/store.js";

export type Outcome = AlarmStateValue | "retain";
export type TableRow = [
  points: string,
  missing: Outcome,
  ignore: Outcome,
  breaching: Outcome,
  notBreaching: Outcome,
];

export const MODES = ["missing", "ignore", "breaching", "notBreaching"] as const;

export const TABLE_3_OF_3: TableRow[] = [
  ["0 - X - X", "OK", "OK", "OK", "OK"],
  ["0 - - - -", "OK", "OK", "OK", "OK"],
  ["- - - - -", "INSUFFICIENT_DATA", "retain", "ALARM", "OK"],
  ["0 X X - X", "ALARM", "ALARM", "ALARM", "ALARM"],
  ["- - - - X", "INSUFFICIENT_DATA", "retain", "ALARM", "OK"],
  ["X - - - -", "ALARM", "retain", "ALARM", "OK"],
];

export const TABLE_2_OF_3: TableRow[] = [
  ["0 - X - X", "ALARM", "ALARM", "ALARM", "ALARM"],
  ["0 0 X 0 X", "ALARM", "ALARM", "ALARM", "ALARM"],
  ["0 - X - -", "OK", "OK", "ALARM", "OK"],
  ["- - - - 0", "OK", "OK", "ALARM", "OK"],
  ["- - - - X", "INSUFFICIENT_DATA", "retain", "ALARM", "OK"],
];

export const TABLES = [
  { title: "3 out of 3", m: 3, rows: TABLE_3_OF_3 },
  { title: "2 out of 3", m: 2, rows: TABLE_2_OF_3 },
] as const;
