/** `type: syslog` in mamori.yaml: where to listen (UDP, TCP or TLS) and how messages are framed. */
import { z } from "zod";
import { type EntryCheck, nonEmpty, type PortClaim, pathString } from "../../core/config.js";
import type { ConfigProblem } from "../../core/errors.js";
import { parseHostPort } from "../../core/ip.js";
import { listenerLimitsSchema, SYSLOG_LISTENER_DEFAULTS } from "../../core/listener-limits.js";

export const syslogSourceSchema = z.strictObject({
  type: z.literal("syslog"),
  id: nonEmpty.optional(),
  listen: z
    .string()
    .regex(
      /^(udp|tcp|tls):\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s]+):\d{1,5}$/,
      "expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT",
    ),
  group: nonEmpty,
  stream: nonEmpty.optional(),
  framing: z.enum(["auto", "newline", "octet-counting"]).default("auto"),
  tls: z.strictObject({ cert: pathString, key: pathString, ca: pathString.optional() }).optional(),
  max_message_bytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  limits: listenerLimitsSchema(SYSLOG_LISTENER_DEFAULTS),
});

export type SyslogSourceConfig = z.output<typeof syslogSourceSchema>;

/** tls:// needs a certificate, and a certificate needs tls://. */
export const checkSyslogSource: EntryCheck<SyslogSourceConfig> = (cfg, at) => {
  const problems: ConfigProblem[] = [];
  const isTls = cfg.listen.startsWith("tls://");
  if (isTls && !cfg.tls)
    problems.push(at(["listen"], "tls:// needs a certificate: add tls: { cert: FILE, key: FILE }"));
  if (!isTls && cfg.tls)
    problems.push(at(["tls"], `tls is only used with listen: tls://HOST:PORT (this one is ${cfg.listen})`));
  return problems;
};

/** The socket the source binds (tls:// is TCP). */
export function syslogSourcePorts(cfg: SyslogSourceConfig): PortClaim[] {
  const m = /^(udp|tcp|tls):\/\/(.*)$/.exec(cfg.listen);
  if (!m) return [];
  try {
    const { host, port } = parseHostPort(m[2], "syslog listen");
    return [{ protocol: m[1] === "udp" ? "udp" : "tcp", host, port }];
  } catch {
    return []; // an out-of-range port is reported by the source itself
  }
}
