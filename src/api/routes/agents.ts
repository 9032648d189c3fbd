/**
 * The fleet's agents (spec/fleet.md): the list `mamori agents list --json` prints, and revocation. An
 * agent revoked here is refused at its next request and its live connection closed, as after `mamori
 * agents remove`; both mark it in the store the fleet server checks. Without `server:` the list is empty.
 * An admin also makes enrollment tokens (as `mamori agents token create`) and asks agents to run a host
 * check now (as `mamori agents check`: a request in the store the running fleet server sends).
 */
import path from "node:path";
import { z } from "zod";
import { parseDuration } from "../../core/duration.js";
import { type CheckOutcome, checkRequestRefusal, requestCheck } from "../../fleet/server/check-request.js";
import { agentJson, revokeAgent } from "../../fleet/server/registry.js";
import { createEnrollToken, GROUP_NAME, GROUP_NAME_HINT } from "../../fleet/server/tokens.js";
import { type CheckTarget, HOST_CHECK_NAMES } from "../../store/store.js";
import type { ApiDeps } from "../deps.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { type ApiRouter, param, readJson } from "../router.js";
import { list } from "../schemas.js";

const tokenBody = z.strictObject({
  group: z.string().max(64).default("default").describe("agent group the enrolled agents join"),
  uses: z.number().int().min(1).max(100_000).default(1).describe("how many agents may enroll with it"),
  ttl: z
    .union([z.number(), z.string().max(20)])
    .default("1d")
    .describe("how long it stays valid: seconds or 1h/1d/7d"),
});

const tokenInfo = z.object({
  token: z.string().describe("give it to `mamori agent enroll --token`; it is not shown again"),
  id: z.string(),
  group: z.string(),
  uses: z.number(),
  expires: z.string(),
});

const checkBody = z
  .strictObject({
    check: z.enum(HOST_CHECK_NAMES),
    agent: z.string().max(100).optional().describe("one agent's id"),
    group: z.string().max(64).optional().describe("every agent of this group"),
    all: z.literal(true).optional().describe("every agent"),
    wait: z.number().min(0).max(60).default(10).describe("seconds to wait for the agents' answers"),
  })
  .refine((b) => [b.agent, b.group, b.all].filter((v) => v !== undefined).length === 1, {
    message: "name the agents once: agent, group or all",
  });

const checkInfo = z.object({
  request: z.number(),
  check: z.enum(HOST_CHECK_NAMES),
  sent: z.boolean().describe("false: no running fleet server picked the request up (yet)"),
  done: z.boolean().describe("every agent answered"),
  results: z.array(
    z.object({
      agent: z.string(),
      name: z.string(),
      state: z.enum(["ok", "error", "pending"]),
      error: z.string().nullable(),
    }),
  ),
});

function checkJson(o: CheckOutcome): z.infer<typeof checkInfo> {
  const results = o.results.map((r) => ({
    agent: r.agent,
    name: r.name,
    state: r.ok === null ? ("pending" as const) : r.ok ? ("ok" as const) : ("error" as const),
    error: r.error,
  }));
  return {
    request: o.id,
    check: o.check,
    sent: o.sentAt !== null,
    done: o.sentAt !== null && results.every((r) => r.state !== "pending"),
    results,
  };
}

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
  r.add(
    {
      method: "POST",
      path: "/api/v1/agents/tokens",
      access: "admin",
      summary:
        "make an enrollment token (as `mamori agents token create`); the token is shown only in this answer",
      status: 201,
      body: tokenBody,
      response: tokenInfo,
    },
    async (c) => {
      const body = await readJson(c, tokenBody);
      const config = deps.config();
      if (!config.server)
        throw new ApiError(
          409,
          "not_a_fleet_server",
          "this mamori is not a fleet server: add server: { name: HOST } to its config (docs/fleet.md)",
        );
      if (!GROUP_NAME.test(body.group)) throw new ApiError(422, "invalid", `group: ${GROUP_NAME_HINT}`);
      let ttl: number;
      try {
        ttl = parseDuration(body.ttl);
      } catch {
        throw badRequest(`ttl "${String(body.ttl).slice(0, 20)}" is not a duration (1h, 1d, 7d)`);
      }
      if (ttl <= 0) throw new ApiError(422, "invalid", "ttl must be longer than 0");
      const t = await createEnrollToken(
        {
          agents: deps.store.agents,
          dataDir: path.resolve(config.data_dir),
          server: config.server,
          clock: deps.clock,
        },
        { group: body.group, uses: body.uses, ttlS: ttl },
      );
      deps.log.info(
        { token: t.id, group: t.group, uses: t.uses, by: c.get("principal")?.user },
        "fleet: enrollment token made through the API",
      );
      c.header("cache-control", "no-store");
      return c.json(
        {
          token: t.token,
          id: t.id,
          group: t.group,
          uses: t.uses,
          expires: new Date(t.expiresAt).toISOString(),
        },
        201,
      );
    },
  );
  r.add(
    {
      method: "POST",
      path: "/api/v1/agents/checks",
      access: "admin",
      summary:
        "run a host check now on one agent, a group or all (as `mamori agents check`); answers what each agent said within `wait` seconds",
      body: checkBody,
      response: checkInfo,
    },
    async (c) => {
      const body = await readJson(c, checkBody);
      if (body.group !== undefined && !GROUP_NAME.test(body.group))
        throw new ApiError(422, "invalid", `group: ${GROUP_NAME_HINT}`);
      const target: CheckTarget =
        body.agent !== undefined
          ? { agent: body.agent }
          : body.group !== undefined
            ? { group: body.group }
            : { all: true };
      const refusal = await checkRequestRefusal(deps.store.agents, body.check, target);
      if (refusal) throw new ApiError(422, "invalid", refusal);
      const out = await requestCheck(deps.store.agents, body.check, target, {
        clock: deps.clock,
        waitMs: body.wait * 1000,
        signal: c.req.raw.signal,
      });
      deps.log.info(
        { request: out.id, check: body.check, target, by: c.get("principal")?.user },
        "fleet: check requested through the API",
      );
      return c.json(checkJson(out));
    },
  );
  r.add(
    {
      method: "GET",
      path: "/api/v1/agents/checks/:id",
      access: "viewer",
      summary: "a run-a-check-now request and the answers of its agents so far",
      response: checkInfo,
    },
    async (c) => {
      const id = param(c, "id");
      const got = /^\d{1,15}$/.test(id) ? await deps.store.agents.getCheck(Number(id)) : undefined;
      if (!got) throw notFound(`check request ${JSON.stringify(id.slice(0, 40))}`);
      return c.json(checkJson(got));
    },
  );
}
