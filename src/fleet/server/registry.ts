/** What the server knows of its agents, as `agents list --json` prints it. */
import type { AgentRecord, AgentStore } from "../../store/store.js";

export function agentJson(a: AgentRecord): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    group: a.group,
    status: a.status,
    lastSeen: a.lastSeen === null ? null : new Date(a.lastSeen).toISOString(),
    address: a.address,
    version: a.version,
    configVersion: a.configVersion,
  };
}

/** Marks an agent revoked; returns false when there is no such agent. */
export async function revokeAgent(agents: AgentStore, id: string): Promise<boolean> {
  const a = await agents.get(id);
  if (!a) return false;
  await agents.update(id, { status: "revoked" });
  return true;
}
