/**
 * An alarm's notification: the CloudWatch alarm JSON for webhooks and exec, an e-mail shaped like
 * CloudWatch's SNS alarm e-mail, and a few Slack lines with the sample log events.
 */
import { slackInert as inert } from "../notify/slack-text.js";
import type { Notification, RenderContext } from "../notify/types.js";
import { cloudwatchIso, emailDate, javaDouble } from "./format.js";
import type { AlarmMessage } from "./message.js";

const LABEL = 28;
const line = (k: string, v: string) => `- ${`${k}:`.padEnd(LABEL)}${v}`;

function thresholdSentence(m: AlarmMessage): string {
  const t = m.Trigger;
  return `The alarm is in the ALARM state when the metric is ${t.ComparisonOperator} ${javaDouble(t.Threshold)} for at least ${t.DatapointsToAlarm} of the last ${t.EvaluationPeriods} period(s) of ${t.Period} seconds.`;
}

function sampleLines(m: AlarmMessage): string[] {
  if (m.Samples.length === 0) return ["(no matching log events were found for the breaching periods)"];
  return m.Samples.map((s) => `${cloudwatchIso(s.timestamp)} ${s.logGroup} ${s.logStream}: ${s.message}`);
}

/**
 * A sample whose JSON message carries a `diff` (a FIM change with report_changes) also gets the diff as
 * plain lines below it, and its `unexplained` note: an e-mail reader should not have to unescape JSON.
 */
function readableExtras(message: string): string[] {
  if (!message.startsWith("{") || !message.includes('"diff"')) return [];
  try {
    const m = JSON.parse(message) as { diff?: unknown; unexplained?: unknown };
    const out: string[] = [];
    if (typeof m.unexplained === "string") out.push(`    ${m.unexplained}`);
    if (typeof m.diff === "string")
      out.push(
        ...m.diff
          .replace(/\n$/, "")
          .split("\n")
          .map((l) => `    ${l}`),
      );
    return out;
  } catch {
    return [];
  }
}

function emailSampleLines(m: AlarmMessage): string[] {
  if (m.Samples.length === 0) return sampleLines(m).map((s) => `  ${s}`);
  return m.Samples.flatMap((s) => [
    `  ${cloudwatchIso(s.timestamp)} ${s.logGroup} ${s.logStream}: ${s.message}`,
    ...readableExtras(s.message),
  ]);
}

export function alarmEmail(m: AlarmMessage, ctx: RenderContext): { subject: string; text: string } {
  const where = `mamori@${ctx.host}`;
  const when = emailDate(Date.parse(m.StateChangeTime.replace("+0000", "Z")));
  const t = m.Trigger;
  const dims = t.Dimensions.map((d) => `[${d.name} = ${d.value}]`).join(" ");
  const text = [
    `You are receiving this email because your mamori alarm "${m.AlarmName}" in ${where} has entered the ${m.NewStateValue} state, because "${m.NewStateReason}" at "${when}".`,
    "",
    "Alarm Details:",
    line("Name", m.AlarmName),
    line("Description", m.AlarmDescription ?? ""),
    line("State Change", `${m.OldStateValue} -> ${m.NewStateValue}`),
    line("Reason for State Change", m.NewStateReason),
    line("Timestamp", when),
    line("Topic", ctx.topic),
    "",
    "Threshold:",
    `- ${thresholdSentence(m)}`,
    "",
    "Monitored Metric:",
    line("MetricNamespace", t.Namespace),
    line("MetricName", t.MetricName),
    line("Dimensions", dims),
    line("Period", `${t.Period} seconds`),
    line("Statistic", t.Statistic),
    line("Unit", t.Unit ?? "not specified"),
    line("TreatMissingData", t.TreatMissingData),
    "",
    `Sample log events (up to 10):`,
    ...emailSampleLines(m),
    "",
  ].join("\n");
  return { subject: `${m.NewStateValue}: "${m.AlarmName}" in ${where}`, text };
}

function alarmSlack(m: AlarmMessage, ctx: RenderContext) {
  const icon =
    m.NewStateValue === "ALARM"
      ? ":rotating_light:"
      : m.NewStateValue === "OK"
        ? ":white_check_mark:"
        : ":grey_question:";
  // every value is made inert: alarm names, reasons and host names must not become Slack markup
  const text = [
    `${icon} *${m.NewStateValue}*: "${inert(m.AlarmName)}" in ${inert(`mamori@${ctx.host}`)}`,
    `State change: ${m.OldStateValue} ${inert("->")} ${m.NewStateValue}`,
    `Reason: ${inert(m.NewStateReason)}`,
    ...(m.AlarmDescription ? [`Description: ${inert(m.AlarmDescription)}`] : []),
    `Time: ${m.StateChangeTime}`,
  ].join("\n");
  return {
    text,
    code: m.Samples.length > 0 ? { title: "Sample log events", lines: sampleLines(m) } : undefined,
  };
}

export function alarmNotification(message: AlarmMessage): Notification {
  return {
    kind: "alarm",
    json: message,
    email: (ctx) => alarmEmail(message, ctx),
    slack: (ctx) => alarmSlack(message, ctx),
  };
}
