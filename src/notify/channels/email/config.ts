/** `type: email` subscriptions, and the top-level `smtp:` server they send through. */
import { z } from "zod";
import { nonEmpty } from "../../../core/config.js";

export const emailChannelSchema = z.strictObject({
  type: z.literal("email"),
  to: z.union([nonEmpty, z.array(nonEmpty).min(1)]),
});

export const smtpSchema = z.strictObject({
  host: nonEmpty.default("127.0.0.1"),
  port: z.number().int().min(1).max(65535).default(25),
  from: nonEmpty.default("mamori@localhost"),
  secure: z.boolean().default(false),
  user: z.string().optional(),
  password: z.string().optional(),
});
