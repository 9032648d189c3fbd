/**
 * `http:` in mamori.yaml: the web UI and API server that `mamori serve` runs (spec/web.md). Not to be
 * confused with `sources: [{type: http}]`, the log ingest endpoint: that one lives under `sources`.
 */
import { z } from "zod";
import { duration, type PortClaim, pathString } from "../core/config.js";
import { parseHostPort } from "../core/ip.js";

export const DEFAULT_HTTP_LISTEN = "127.0.0.1:8470";
export const DEFAULT_SESSION_TTL_S = 12 * 3600;

export const httpServerSchema = z.strictObject({
  enabled: z.boolean().default(true),
  listen: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):\d{1,5}$/, "expected HOST:PORT, e.g. 127.0.0.1:8470")
    .default(DEFAULT_HTTP_LISTEN),
  /** HTTPS with these PEM files (cookies are then Secure) */
  tls: z.strictObject({ cert: pathString, key: pathString }).optional(),
  session_ttl: duration()
    .refine((s) => s >= 60, "session_ttl must be at least 1m")
    .default(DEFAULT_SESSION_TTL_S),
});

export type HttpServerConfig = z.output<typeof httpServerSchema>;

export const HTTP_SERVER_DEFAULTS: HttpServerConfig = {
  enabled: true,
  listen: DEFAULT_HTTP_LISTEN,
  session_ttl: DEFAULT_SESSION_TTL_S,
};

/** The TCP socket the UI/API server binds (for the port conflict check). */
export function httpServerPorts(cfg: HttpServerConfig): PortClaim[] {
  if (!cfg.enabled) return [];
  try {
    const { host, port } = parseHostPort(cfg.listen, "http listen");
    return [{ protocol: "tcp", host, port }];
  } catch {
    return [];
  }
}
