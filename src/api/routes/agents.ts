/**
 * The fleet's agents (spec/fleet.md): the list `mamori agents list --json` prints, and revocation. An
 * agent revoked here is refused at its next request and its live connection closed, as after `mamori
 * agents remove`; both mark it in the store the fleet server checks. Without `server:` the list is empty.
 */
import { z } from "zod";
import { agentJson, revokeAgent } from "../../fleet/server/registry.js";
import type { ApiDeps } from "../deps.js";
import { notFound } from "../errors.js";
import { type ApiRouter, param } from "../router.js";
import { list } from "../schemas.js";

const agentInfo = z.object({
  id: z.string(),
  name: z.string(),
  group: z.string(),
  status: z.enum(["never_connected", "active", "disconnected", "revoked"]),
  lastSeen: z.string().nullable(),
  address: z.string().nullable(),
  version: z.string().nullable(),
  configVersion: z.string().nullable(),
});

export function agentRoutes(r: ApiRouter, deps: ApiDeps): void {
  r.add(
    {
      method: "GET",
      path: "/api/v1/agents",
      access: "viewer",
      summary: "enrolled agents with their status (never_connected, active, disconnected, revoked)",
      response: list(agentInfo, "agents"),
    },
    async (c) => c.json({ agents: (await deps.store.agents.list()).map(agentJson) }),
  );
  r.add(
    {
      method: "DELETE",
      path: "/api/v1/agents/:id",
      access: "admin",
      summary: "revoke an agent: its next request is refused and its live connection closed",
      status: 204,
    },
    async (c) => {
      const id = param(c, "id");
      if (!(await revokeAgent(deps.store.agents, id))) throw notFound(`agent ${JSON.stringify(id)}`);
      return c.body(null, 204);
    },
  );
}
