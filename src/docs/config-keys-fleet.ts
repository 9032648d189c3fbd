/** Descriptions of the fleet keys `server` and `agent` (src/fleet/config.ts). */
import type { KeyDoc } from "./config-keys.js";

const d = (text: string, example?: string): KeyDoc => ({ text, example });

export const fleetKeys: Record<string, KeyDoc> = {
  server: d(
    "Makes `mamori serve` a fleet server: agents enroll and report on one TLS 1.3 port (docs/fleet.md). Its CA is created in `data_dir/fleet/` at first start.",
  ),
  "server.listen": d("Address and port for enrollment and agent traffic.", "0.0.0.0:1515"),
  "server.name": d(
    "Name in the server certificate; enrollment tokens tell agents to dial it (with the listen port).",
    "mamori.example.com",
  ),
  "server.addresses": d(
    "More IP addresses the server certificate names (agents may dial these).",
    "[192.0.2.10]",
  ),
  "server.heartbeat": d(
    "How often agents beat; an agent silent for 3 beats is `disconnected` (an event in `mamori/agents`).",
    "10s",
  ),
  "server.cert_lifetime": d("How long the agent certificates the server signs are valid.", "365d"),
  "server.max_request_bytes": d(
    "Largest request an agent may send (a batch of events); larger ones are refused with 413.",
    "8388608",
  ),
  agent_groups: d(
    "Fleet server: what each agent group runs. Agents get their group's config when they connect, validate it and apply it without a restart.",
  ),
  "agent_groups[].name": d("The group (`mamori agents token create --group NAME`).", "web"),
  "agent_groups[].config": d(
    "`sources:`, `jails:` and the host checks `fim:`, `rootcheck:`, `audit:` every agent of the group runs on top of its own agent.yaml (a host check the agent's own file sets wins); checked here like `config check`, errors with this file's line:col.",
    "{ sources: [{ type: file, path: /var/log/auth.log, group: auth }], fim: { paths: [{ path: /etc }] } }",
  ),
  agent: d(
    "This data dir belongs to a fleet agent; written by `mamori agent enroll` into `DATA/agent.yaml`, read by `mamori agent run`.",
  ),
  "agent.server": d("HOST:PORT of the fleet server.", "mamori.example.com:1515"),
  "agent.id": d(
    "The agent's id, the subject of its certificate (given by the server).",
    "ag-3f2a9c0e11d4b7a5",
  ),
  "agent.name": d("The agent's name as people see it on the server; its events' stream there.", "web-1"),
  "agent.ca_fingerprint": d(
    "SHA-256 of the server CA's certificate (from the token); the agent trusts no other CA.",
    "eb6fbf356f70ad2e8bfc866e6ce7db9cb92681fa62bd7b08c93aa627670e7030",
  ),
  "agent.batch_size": d("Events per batch sent to the server.", "500"),
  "agent.retry": d(
    "Wait before reconnecting after the server went away. After a refusal (revoked, clone suspected) the wait doubles with each refusal in a row, up to 5 minutes.",
    "2s",
  ),
  "agent.spool_max": d(
    "Most bytes of events waiting in the agent's store to be sent (while the server is away); beyond it the oldest are dropped, counted and reported in heartbeats. Default 1 GiB.",
    "268435456",
  ),
  "agent.renew_before": d(
    "Renew the agent's certificate over the authenticated channel this long before it expires (same key).",
    "30d",
  ),
  "agent.ban_action": d(
    "Firewall action enforcing the fleet bans the server pushes (jails with `scope: fleet` or `group:NAME`); they persist in the agent's store (jail `fleet`) and expire on the agent.",
    "nftables",
  ),
};
