/**
 * How a notification becomes a Slack payload and a JSON body, whoever produced it; and the one message
 * notify/ itself produces (the `mamori topics test` message). Producers build their own texts.
 */
import type { Notification, RenderContext } from "./types.js";

export type { RenderContext } from "./types.js";

/** The JSON a webhook receives and an exec command reads on stdin. */
export function jsonBody(n: Notification): string {
  return JSON.stringify(n.json);
}

const SLACK_TEXT_MAX = 2900;
const cut = (s: string, max = SLACK_TEXT_MAX) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const mrkdwn = (text: string) => ({ type: "section", text: { type: "mrkdwn", text: cut(text) } });

/** Slack incoming-webhook payload: the facts in a few lines of `text`, and blocks for the log lines. */
export function renderSlack(n: Notification, ctx: RenderContext): { text: string; blocks: unknown[] } {
  const { text, code } = n.slack(ctx);
  const blocks: unknown[] = [mrkdwn(text)];
  if (code && code.lines.length > 0)
    blocks.push(mrkdwn(`${code.title ? `*${code.title}*\n` : ""}\`\`\`${code.lines.join("\n")}\`\`\``));
  return { text: cut(text), blocks };
}

export function renderEmail(n: Notification, ctx: RenderContext): { subject: string; text: string } {
  return n.email(ctx);
}

/** The message `mamori topics test` sends. */
export function testNotification(args: { text: string; time: string; host: string }): Notification {
  return {
    kind: "test",
    json: args,
    email: (ctx) => ({
      subject: `TEST: topic "${ctx.topic}" in mamori@${args.host || ctx.host}`,
      text: `${args.text}\n\nSent by \`mamori topics test ${ctx.topic}\` at ${args.time}.\n`,
    }),
    slack: (ctx) => ({
      text: `:wave: ${args.text} (topic "${ctx.topic}" in mamori@${ctx.host}, ${args.time})`,
    }),
  };
}
