/**
 * The notification envelope. notify/ knows no producer: an alarm, a jail or any future detector builds
 * a Notification (its JSON, its e-mail, its Slack text) and publishes it; channels only deliver it.
 */

/** Where a notification is being delivered: the topic, and this machine's name (`mamori@HOST`). */
export interface RenderContext {
  topic: string;
  host: string;
}

/** What Slack shows: a few lines of facts (mrkdwn), and optionally log lines in a code block. */
export interface SlackContent {
  text: string;
  code?: { title?: string; lines: string[] };
}

export interface Notification {
  /** what produced it ("alarm", "ban", "test", ...): the `x-mamori-event` header and `MAMORI_EVENT` */
  readonly kind: string;
  /** the JSON a webhook receives and an exec command reads on stdin */
  readonly json: unknown;
  email(ctx: RenderContext): { subject: string; text: string };
  slack(ctx: RenderContext): SlackContent;
}

/** Where producers publish. Returns at once: delivery is queued per subscription. */
export interface Publisher {
  publish(topic: string, notification: Notification): void;
}
