/** `type: http` in mamori.yaml: the PutLogEvents-like ingest endpoint. */
import { z } from "zod";
import { nonEmpty, type PortClaim, pathString } from "../../core/config.js";
import { parseHostPort } from "../../core/ip.js";
import { HTTP_LISTENER_DEFAULTS, listenerLimitsSchema } from "../../core/listener-limits.js";

export const httpSourceSchema = z.strictObject({
  type: z.literal("http"),
  id: nonEmpty.optional(),
  listen: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):\d{1,5}$/, "expected HOST:PORT, e.g. 127.0.0.1:8514"),
  /** a token as a string may write to every group the source allows; `{token, groups}` only to those */
  tokens: z
    .array(z.union([nonEmpty, z.strictObject({ token: nonEmpty, groups: z.array(nonEmpty).min(1) })]))
    .min(1, "at least one bearer token is required"),
  groups: z.array(nonEmpty).optional(),
  /** HTTPS with these PEM files; with `ca`, clients must hold a certificate it signed */
  tls: z.strictObject({ cert: pathString, key: pathString, ca: pathString.optional() }).optional(),
  max_body_bytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  limits: listenerLimitsSchema(HTTP_LISTENER_DEFAULTS),
});

export type HttpSourceConfig = z.output<typeof httpSourceSchema>;

/** The TCP socket the source binds. */
export function httpSourcePorts(cfg: HttpSourceConfig): PortClaim[] {
  try {
    const { host, port } = parseHostPort(cfg.listen, "http listen");
    return [{ protocol: "tcp", host, port }];
  } catch {
    return [];
  }
}
