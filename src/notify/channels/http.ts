/**
 * Slack incoming webhooks and generic webhooks: an HTTP POST of JSON. A webhook with a `secret` gets
 * `X-Mamori-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>` so the receiver
 * can check the message came from mamori. URLs may hold tokens: they never appear in errors or records.
 */
import { createHmac } from "node:crypto";
import fs from "node:fs/promises";
import type { SubscriptionConfig } from "../../config/schema.js";
import { jsonBody, renderSlack } from "../render.js";
import type { Channel, ChannelDeps } from "./types.js";

export const SIGNATURE_HEADER = "X-Mamori-Signature";

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "user-agent": "mamori", ...headers },
      signal,
    });
  } catch (err) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("aborted");
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`request failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
}

function safeOrigin(url: string | undefined): string {
  if (!url) return "?";
  try {
    return new URL(url).host;
  } catch {
    return "?";
  }
}

export function slackChannel(
  sub: Extract<SubscriptionConfig, { type: "slack" }>,
  _deps: ChannelDeps,
): Channel {
  const file = sub.url_file; // absolute: the config loader resolved it
  const url = async () => {
    if (sub.url) return sub.url;
    try {
      return (await fs.readFile(file!, "utf8")).trim();
    } catch (err) {
      throw new Error(`cannot read url_file ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
    }
  };
  return {
    id: sub.url ? `slack:${safeOrigin(sub.url)}` : `slack:url_file:${file}`,
    async send(n, ctx, signal) {
      const target = await url();
      try {
        await post(target, JSON.stringify(renderSlack(n, ctx)), {}, signal);
      } catch (err) {
        throw new Error(`slack webhook (${safeOrigin(target)}): ${(err as Error).message}`);
      }
    },
  };
}

export function webhookChannel(
  sub: Extract<SubscriptionConfig, { type: "webhook" }>,
  _deps: ChannelDeps,
): Channel {
  // the origin only: a path can be the secret (/hooks/<token>), and the id lands in deliveries and logs
  const origin = new URL(sub.url).origin;
  return {
    id: `webhook:${origin}`,
    async send(n, _ctx, signal) {
      const body = jsonBody(n);
      const headers: Record<string, string> = { "x-mamori-event": n.kind, ...(sub.headers ?? {}) };
      if (sub.secret) headers[SIGNATURE_HEADER] = signBody(sub.secret, body);
      try {
        await post(sub.url, body, headers, signal);
      } catch (err) {
        throw new Error(`webhook ${origin}: ${(err as Error).message}`);
      }
    },
  };
}
