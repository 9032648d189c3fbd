/** E-mail through the configured SMTP relay (nodemailer), one connection per message. */
import nodemailer from "nodemailer";
import { type SmtpConfig, type SubscriptionConfig, smtpSchema } from "../../config/schema.js";
import { renderEmail } from "../render.js";
import { abortable } from "./abortable.js";
import type { Channel, ChannelDeps } from "./types.js";

const TIMEOUT_MS = 10_000;

export function emailChannel(
  sub: Extract<SubscriptionConfig, { type: "email" }>,
  deps: ChannelDeps,
): Channel {
  const smtp: SmtpConfig = deps.smtp ?? smtpSchema.parse({});
  const to = Array.isArray(sub.to) ? sub.to : [sub.to];
  return {
    id: `email:${to.join(",")}`,
    async send(n, ctx, signal) {
      const { subject, text } = renderEmail(n, ctx);
      const transport = nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? "" } : undefined,
        connectionTimeout: TIMEOUT_MS,
        greetingTimeout: TIMEOUT_MS,
        socketTimeout: TIMEOUT_MS,
      });
      try {
        await abortable(transport.sendMail({ from: smtp.from, to, subject, text }), signal, () =>
          transport.close(),
        );
      } catch (err) {
        throw new Error(`SMTP ${smtp.host}:${smtp.port}: ${(err as Error).message}`);
      } finally {
        transport.close();
      }
    },
  };
}
