/**
 * The fleet's keys in mamori.yaml: `server:` makes `mamori serve` a fleet server; `agent:` (written by
 * `mamori agent enroll` into DATA/agent.yaml) says which server an agent reports to.
 */
import { z } from "zod";
import { duration, nonEmpty } from "../core/config.js";
import { isIp, parseHostPort } from "../core/ip.js";

export const DEFAULT_FLEET_PORT = 1515;

const hostPort = (what: string) =>
  z.string().refine(
    (v) => {
      try {
        parseHostPort(v, what);
        return true;
      } catch {
        return false;
      }
    },
    { message: `${what}: expected HOST:PORT, e.g. 0.0.0.0:1515 or [::]:1515` },
  );

export const serverSchema = z.strictObject({
  listen: hostPort("server.listen").default(`0.0.0.0:${DEFAULT_FLEET_PORT}`),
  /** the name in the server certificate, and what tokens tell agents to dial */
  name: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,253}$/, "a DNS name or an IP address, e.g. mamori.example.com")
    .or(z.string().refine((v) => isIp(v))),
  addresses: z
    .array(z.string().refine((v) => isIp(v), { message: "an IP address, e.g. 192.0.2.10" }))
    .default([]),
  heartbeat: duration().default(10),
  /** how long the client certificates the server signs are valid */
  cert_lifetime: duration().default(365 * 86_400),
  /** largest request body an agent may send (a batch), bytes */
  max_request_bytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(8 * 1024 * 1024),
});

export const agentSchema = z.strictObject({
  /** HOST:PORT of the fleet server */
  server: hostPort("agent.server"),
  id: nonEmpty,
  name: nonEmpty,
  /** SHA-256 of the server CA's certificate (the pin from the token) */
  ca_fingerprint: z.string().regex(/^[0-9a-f]{64}$/, "64 lower-case hex digits (SHA-256)"),
  /** events per batch sent to the server */
  batch_size: z.number().int().min(1).max(10_000).default(500),
  /** how long to wait before reconnecting after the server went away */
  retry: duration().default(2),
  /** the most bytes of events waiting to be sent; beyond it the oldest are dropped (counted, reported) */
  spool_max: z
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024 * 1024),
  /** renew the client certificate over the authenticated channel this long before it expires */
  renew_before: duration().default(30 * 86_400),
  /** the firewall action that enforces fleet bans the server pushes (bans persist in the agent's store) */
  ban_action: z.enum(["nftables", "ipset", "iptables", "hosts-deny", "dry-run"]).default("dry-run"),
});

export type ServerConfig = z.output<typeof serverSchema>;
export type AgentConfig = z.output<typeof agentSchema>;

/** The address and port a server listens on. */
export function listenOf(cfg: ServerConfig): { host: string; port: number } {
  return parseHostPort(cfg.listen, "server.listen");
}
