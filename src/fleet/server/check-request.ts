/**
 * What `mamori agents check` and POST /api/v1/agents/checks share: the request written into the store
 * (the running fleet server sends it, src/fleet/server/checks.ts) and the wait for the agents' answers.
 */
import type { Clock } from "../../core/clock.js";
import type { AgentStore, CheckRequest, CheckResult, CheckTarget, HostCheckName } from "../../store/store.js";
import { HOST_CHECK_NAMES } from "../../store/store.js";

export type CheckOutcome = CheckRequest & { results: CheckResult[] };

/** Why a request cannot be made (a usage error), or undefined when it can. */
export async function checkRequestRefusal(
  agents: Pick<AgentStore, "get" | "list">,
  check: string,
  target: CheckTarget,
): Promise<string | undefined> {
  if (!(HOST_CHECK_NAMES as readonly string[]).includes(check))
    return `unknown check ${JSON.stringify(check)}; use one of ${HOST_CHECK_NAMES.join(", ")}`;
  if ("agent" in target) {
    const a = await agents.get(target.agent);
    if (!a) return `no agent ${JSON.stringify(target.agent)}; see mamori agents list`;
    if (a.status === "revoked") return `agent ${target.agent} is revoked`;
    return undefined;
  }
  const named = (await agents.list()).filter(
    (a) => a.status !== "revoked" && ("all" in target || a.group === target.group),
  );
  if (named.length === 0)
    return "group" in target
      ? `no agent in group ${JSON.stringify(target.group)}; see mamori agents list`
      : "no agents enrolled; see mamori agents token create";
  return undefined;
}

/**
 * Writes the request and waits until every agent answered or `waitMs` passed; the outcome's results
 * with ok null are agents that have not answered (yet). `sentAt` null: no fleet server picked it up.
 */
export async function requestCheck(
  agents: Pick<AgentStore, "requestCheck" | "getCheck">,
  check: HostCheckName,
  target: CheckTarget,
  o: { clock: Clock; waitMs: number; everyMs?: number; signal?: AbortSignal },
): Promise<CheckOutcome> {
  const id = await agents.requestCheck(check, target, o.clock.now());
  const until = o.clock.now() + o.waitMs;
  for (;;) {
    const got = (await agents.getCheck(id)) as CheckOutcome;
    const done = got.sentAt !== null && got.results.every((r) => r.ok !== null);
    if (done || o.clock.now() >= until || o.signal?.aborted) return got;
    await o.clock.sleep(o.everyMs ?? 200, o.signal).catch(() => {});
  }
}
