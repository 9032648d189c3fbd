/**
 * How a notification becomes a Slack payload and a JSON body, whoever produced it; and the one message
 * notify/ itself produces (the `mamori topics test` message). Producers build their own texts.
 */
import { slackCodeBlock, slackInert } from "./slack-text.js";
import type { Notification, RenderContext } from "./types.js";

export type { RenderContext } from "./types.js";

/** The JSON a webhook receives and an exec command reads on stdin. */
export function jsonBody(n: Notification): string {
  return JSON.stringify(n.json);
}

const SLACK_TEXT_MAX = 2900;
const cut = (s: string, max = SLACK_TEXT_MAX) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const mrkdwn = (text: string) => ({ type: "section", text: { type: "mrkdwn", text: cut(text) } });

/**
 * Slack incoming-webhook payload: the facts in a few lines of `text`, and blocks for the log lines. The
 * producer's `text` is mrkdwn whose values it made inert (`slackInert`); the log lines are made inert here,
 * in a code block that is cut inside, so its closing fence is never lost.
 */
export function renderSlack(n: Notification, ctx: RenderContext): { text: string; blocks: unknown[] } {
  const { text, code } = n.slack(ctx);
  const blocks: unknown[] = [mrkdwn(text)];
  if (code && code.lines.length > 0) {
    const title = code.title ? `*${slackInert(code.title)}*\n` : "";
    blocks.push(mrkdwn(`${title}${slackCodeBlock(code.lines, SLACK_TEXT_MAX - title.length - 6)}`));
  }
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
      text: `:wave: ${slackInert(args.text)} (topic "${slackInert(ctx.topic)}" in ${slackInert(`mamori@${ctx.host}`)}, ${args.time})`,
    }),
  };
}
