/**
 * Making an enrollment token, shared by `mamori agents token create` and POST /api/v1/agents/tokens: the
 * token carries the address agents dial and the CA's fingerprint; only its hash is stored.
 */
import type { Clock } from "../../core/clock.js";
import type { AgentStore } from "../../store/store.js";
import { loadOrCreateCa } from "../ca/ca.js";
import { listenOf, type ServerConfig } from "../config.js";
import { newToken } from "../enroll/token.js";

export const GROUP_NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const GROUP_NAME_HINT = "use 1-64 letters, digits, '.', '_' or '-'";

export interface CreatedToken {
  /** the token itself: shown once, never stored */
  token: string;
  id: string;
  group: string;
  uses: number;
  expiresAt: number;
}

export async function createEnrollToken(
  o: { agents: Pick<AgentStore, "addToken">; dataDir: string; server: ServerConfig; clock: Clock },
  t: { group: string; uses: number; ttlS: number },
): Promise<CreatedToken> {
  const ca = await loadOrCreateCa(o.dataDir, o.clock);
  const { port } = listenOf(o.server);
  const host = o.server.name.includes(":") ? `[${o.server.name}]` : o.server.name;
  const made = newToken({ server: `${host}:${port}`, ca: ca.fingerprint });
  const now = o.clock.now();
  const expiresAt = now + t.ttlS * 1000;
  await o.agents.addToken({
    id: made.id,
    hash: made.hash,
    group: t.group,
    uses: t.uses,
    used: 0,
    expiresAt,
    createdAt: now,
  });
  return { token: made.token, id: made.id, group: t.group, uses: t.uses, expiresAt };
}
