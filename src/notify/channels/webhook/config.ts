/** `type: webhook` subscriptions: a JSON POST, signed when a secret is set. */
import { z } from "zod";

export const webhookChannelSchema = z.strictObject({
  type: z.literal("webhook"),
  url: z.string().url("expected an http(s) URL"),
  secret: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});
