/** `type: http` in mamori.yaml: the PutLogEvents-like ingest endpoint. */
import { z } from "zod";
import { nonEmpty, type PortClaim } from "../../core/config.js";
import { parseHostPort } from "../../core/ip.js";
import { HTTP_LISTENER_DEFAULTS, listenerLimitsSchema } from "../../core/listener-limits.js";

export const httpSourceSchema = z.strictObject({
  type: z.literal("http"),
  id: nonEmpty.optional(),
  listen: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):\d{1,5}$/, "expected HOST:PORT, e.g. 127.0.0.1:8514"),
  tokens: z.array(nonEmpty).min(1, "at least one bearer token is required"),
  groups: z.array(nonEmpty).optional(),
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
