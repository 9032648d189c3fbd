/** `type: slack` subscriptions: an incoming-webhook URL, written or read from a file. */
import { z } from "zod";
import { type EntryCheck, pathString } from "../../../core/config.js";

export const slackChannelSchema = z.strictObject({
  type: z.literal("slack"),
  url: z.string().url("expected the Slack incoming-webhook URL").optional(),
  /** relative to the config file's folder */
  url_file: pathString.optional(),
});

export const checkSlackChannel: EntryCheck<z.output<typeof slackChannelSchema>> = (sub, at) =>
  sub.url || sub.url_file
    ? []
    : [at([], 'a slack subscription needs `url` (e.g. "${SLACK_WEBHOOK_URL}") or `url_file`')];
