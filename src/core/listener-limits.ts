/**
 * The connection limits of the sources that accept TCP connections (http, syslog over tcp/tls), as a
 * `limits:` key with documented defaults per source. Imports only zod and core/ (a source's config).
 */
import { z } from "zod";
import { DurationError, parseDuration } from "./duration.js";

export interface ListenerLimits {
  /** connections open at once on this listener */
  max_connections: number;
  /** connections open at once from one peer address */
  max_connections_per_peer: number;
  /** seconds to send a request's headers (http) or finish the TLS handshake (syslog tls://) */
  header_timeout: number;
  /** seconds a connection may stay silent before it is closed */
  idle_timeout: number;
}

export const HTTP_LISTENER_DEFAULTS: ListenerLimits = {
  max_connections: 512,
  max_connections_per_peer: 64,
  header_timeout: 10,
  idle_timeout: 30,
};

/** Syslog senders keep one connection open and may be quiet for a while: a longer idle time. */
export const SYSLOG_LISTENER_DEFAULTS: ListenerLimits = {
  max_connections: 512,
  max_connections_per_peer: 32,
  header_timeout: 10,
  idle_timeout: 120,
};

const seconds = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    const s = parseDuration(v);
    if (s > 0) return s;
    ctx.addIssue({ code: "custom", message: "must be more than 0 seconds" });
  } catch (err) {
    ctx.addIssue({ code: "custom", message: err instanceof DurationError ? err.message : String(err) });
  }
  return z.NEVER;
});

export function listenerLimitsSchema(defaults: ListenerLimits) {
  return z
    .strictObject({
      max_connections: z.number().int().positive().default(defaults.max_connections),
      max_connections_per_peer: z.number().int().positive().default(defaults.max_connections_per_peer),
      header_timeout: seconds.default(defaults.header_timeout),
      idle_timeout: seconds.default(defaults.idle_timeout),
    })
    .default(defaults);
}
