/** E-mail through the configured SMTP relay (nodemailer), one connection per message. */
import nodemailer from "nodemailer";
import { type SmtpConfig, type SubscriptionConfig, smtpSchema } from "../../config/schema.js";
import { renderEmail } from "../render.js";
import { abortable } from "./abortable.js";
import type { Channel, ChannelDeps } from "./types.js";

const TIMEOUT_MS = 10_000;

/**
 * A header value on one line: CR, LF and every other control character become a space, so text from
 * logs (a jail's host, an alarm's reason) can never end the Subject and start a header of its own.
 */
export function oneHeaderLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ");
}

export function emailChannel(
  sub: Extract<SubscriptionConfig, { type: "email" }>,
  deps: ChannelDeps,
): Channel {
  const smtp: SmtpConfig = deps.smtp ?? smtpSchema.parse({});
  const to = Array.isArray(sub.to) ? sub.to : [sub.to];
  return {
    id: `email:${to.join(",")}`,
    async send(n, ctx, signal) {
      const rendered = renderEmail(n, ctx);
      const subject = oneHeaderLine(rendered.subject);
      const text = rendered.text;
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
