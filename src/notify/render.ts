/**
 * What each kind of notification looks like on each medium: e-mail (subject + text, shaped like
 * CloudWatch's SNS alarm e-mail), Slack ({"text"} + blocks), and the JSON body webhooks and exec get.
 */
import { cloudwatchIso, emailDate, javaDouble } from "../alarms/format.js";
import { slackInert as inert, slackCodeBlock } from "./channels/slack-text.js";
import type { AlarmMessage, BanMessage, Notification } from "./types.js";

export interface RenderContext {
  topic: string;
  /** this machine's name, as in `mamori@HOST` */
  host: string;
}

/** The JSON a webhook receives and an exec command reads on stdin. */
export function jsonBody(n: Notification): string {
  return JSON.stringify(n.message);
}

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

function alarmEmail(m: AlarmMessage, ctx: RenderContext): { subject: string; text: string } {
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
    ...sampleLines(m).map((s) => `  ${s}`),
    "",
  ].join("\n");
  return { subject: `${m.NewStateValue}: "${m.AlarmName}" in ${where}`, text };
}

function banEmail(m: BanMessage, ctx: RenderContext): { subject: string; text: string } {
  const where = `mamori@${m.host || ctx.host}`;
  const banned = m.action === "ban";
  const forHow = m.bantime < 0 ? "for ever" : `for ${m.bantime} seconds`;
  const text = [
    banned
      ? `The mamori jail "${m.jail}" on ${where} banned ${m.ip} ${forHow} after ${m.failures} failure(s).`
      : `The mamori jail "${m.jail}" on ${where} lifted the ban of ${m.ip}.`,
    "",
    line("Jail", m.jail),
    line("Address", m.ip),
    line("Action", m.action),
    line("Failures", String(m.failures)),
    line("Ban time", m.bantime < 0 ? "forever" : `${m.bantime} seconds`),
    line("Time", m.time),
    line("Topic", ctx.topic),
    "",
    `Log lines that led to it (up to 10):`,
    ...(m.lines.length ? m.lines.map((l) => `  ${l}`) : ["  (none recorded)"]),
    "",
  ].join("\n");
  const verb = banned ? "BANNED" : "UNBANNED";
  return { subject: `${verb}: ${m.ip} by jail "${m.jail}" in ${where}`, text };
}

export function renderEmail(n: Notification, ctx: RenderContext): { subject: string; text: string } {
  switch (n.kind) {
    case "alarm":
      return alarmEmail(n.message, ctx);
    case "ban":
      return banEmail(n.message, ctx);
    case "test":
      return {
        subject: `TEST: topic "${ctx.topic}" in mamori@${n.message.host || ctx.host}`,
        text: `${n.message.text}\n\nSent by \`mamori topics test ${ctx.topic}\` at ${n.message.time}.\n`,
      };
  }
}

const SLACK_TEXT_MAX = 2900;
/** room left in a block for the ``` fences and a heading */
const CODE_MAX = SLACK_TEXT_MAX - 40;
const cut = (s: string, max = SLACK_TEXT_MAX) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const mrkdwn = (text: string) => ({ type: "section", text: { type: "mrkdwn", text: cut(text) } });

/**
 * Slack incoming-webhook payload: the facts in a few lines of `text`, and blocks for the samples. Every
 * value put into it passes through `inert` (or `slackCodeBlock`): log text never becomes Slack markup.
 */
export function renderSlack(n: Notification, ctx: RenderContext): { text: string; blocks: unknown[] } {
  const where = inert(`mamori@${ctx.host}`);
  if (n.kind === "alarm") {
    const m = n.message;
    const icon =
      m.NewStateValue === "ALARM"
        ? ":rotating_light:"
        : m.NewStateValue === "OK"
          ? ":white_check_mark:"
          : ":grey_question:";
    const text = [
      `${icon} *${m.NewStateValue}*: "${inert(m.AlarmName)}" in ${where}`,
      `State change: ${m.OldStateValue} -&gt; ${m.NewStateValue}`,
      `Reason: ${inert(m.NewStateReason)}`,
      ...(m.AlarmDescription ? [`Description: ${inert(m.AlarmDescription)}`] : []),
      `Time: ${inert(m.StateChangeTime)}`,
    ].join("\n");
    const blocks: unknown[] = [mrkdwn(text)];
    if (m.Samples.length > 0)
      blocks.push(mrkdwn(`*Sample log events*\n${slackCodeBlock(sampleLines(m), CODE_MAX)}`));
    return { text: cut(text), blocks };
  }
  if (n.kind === "ban") {
    const m = n.message;
    const ip = inert(m.ip);
    const jail = inert(m.jail);
    const text =
      m.action === "ban"
        ? `:no_entry: *BANNED* ${ip} by jail "${jail}" in ${where} after ${m.failures} failure(s) (${m.bantime < 0 ? "forever" : `${m.bantime} s`})`
        : `:unlock: *UNBANNED* ${ip} by jail "${jail}" in ${where}`;
    const blocks: unknown[] = [mrkdwn(text)];
    if (m.lines.length > 0) blocks.push(mrkdwn(slackCodeBlock(m.lines, CODE_MAX)));
    return { text: cut(text), blocks };
  }
  const text = `:wave: ${inert(n.message.text)} (topic "${inert(ctx.topic)}" in ${where}, ${inert(n.message.time)})`;
  return { text: cut(text), blocks: [mrkdwn(text)] };
}
