/**
 * "Run a check now" on the server: `mamori agents check` and the API write a request into the store;
 * the running server picks it up within a second, sends a `check` command to the connected agents it
 * names and records each agent's acknowledgement (ran it, or why not) against the request, where the
 * CLI and the API read the answers. Agents not connected get "not connected" at once.
 */
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { errorMessage } from "../../core/errors.js";
import type { AgentRecord, CheckRequest, Store } from "../../store/store.js";
import type { Command, LiveAgents } from "./live.js";

const POLL_MS = 1000;

export interface CheckDispatchDeps {
  store: Pick<Store, "agents">;
  clock: Clock;
  log: Logger;
}

/** Whether an agent is one a request names. */
export function targets(req: Pick<CheckRequest, "target">, a: Pick<AgentRecord, "id" | "group">): boolean {
  const t = req.target;
  if ("agent" in t) return a.id === t.agent;
  if ("group" in t) return a.group === t.group;
  return true;
}

export class CheckDispatch {
  private timer?: TimerHandle;
  private polling = false;

  constructor(
    private readonly deps: CheckDispatchDeps,
    private readonly live: () => LiveAgents,
  ) {}

  start(): void {
    this.timer = this.deps.clock.setInterval(() => void this.poll(), POLL_MS);
  }

  stop(): void {
    this.timer?.cancel();
  }

  /** Sends the requests written since the last poll. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const req of await this.deps.store.agents.unsentChecks()) await this.send(req);
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err) }, "fleet: sending check requests failed");
    } finally {
      this.polling = false;
    }
  }

  private async send(req: CheckRequest): Promise<void> {
    const now = this.deps.clock.now();
    const live = this.live();
    const connected = new Set(live.ids());
    const named = (await this.deps.store.agents.list()).filter(
      (a) => a.status !== "revoked" && targets(req, a),
    );
    const to = new Set(named.filter((a) => connected.has(a.id)).map((a) => a.id));
    const results = named.map((a) =>
      to.has(a.id)
        ? { agent: a.id, name: a.name }
        : { agent: a.id, name: a.name, ok: false, error: `not connected (${a.status})`, at: now },
    );
    await this.deps.store.agents.checkSent(req.id, now, results);
    if (to.size > 0)
      live.broadcast({ type: "check", check: req.check, request: req.id }, (a) => to.has(a.id));
    this.deps.log.info(
      {
        request: req.id,
        check: req.check,
        target: req.target,
        sent: to.size,
        notConnected: named.length - to.size,
      },
      "fleet: run-a-check-now request sent to the connected agents",
    );
  }

  /** An agent's acknowledgement of a `check` command: recorded, and logged when it could not run it. */
  async answered(agent: AgentRecord, cmd: Command, body: { ok?: unknown; error?: unknown }): Promise<void> {
    const request = Number(cmd.request);
    if (!Number.isSafeInteger(request)) return;
    const ok = body.ok === true;
    const error = ok ? null : String(body.error ?? "no reason given").slice(0, 2000);
    await this.deps.store.agents.checkAnswered(request, agent.id, ok, error, this.deps.clock.now());
    const ctx = { agent: agent.id, name: agent.name, check: cmd.check, request };
    if (ok) this.deps.log.info(ctx, "fleet: agent ran the check");
    else this.deps.log.warn({ ...ctx, error }, "fleet: agent could not run the check");
  }
}
