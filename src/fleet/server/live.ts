/**
 * The agents connected now: each holds one command stream (GET /v1/commands). A second live stream with
 * the same certificate is refused as `clone_suspected`; an agent silent for 3 heartbeats is
 * `disconnected`; a revoked one is cut off. Every status change is an event in `mamori/agents`.
 */
import type { ServerHttp2Stream } from "node:http2";
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { errorMessage } from "../../core/errors.js";
import type { AgentRecord, AgentStore } from "../../store/store.js";
import { respondJson } from "../wire.js";

export const MISSED_BEATS = 3;

export interface Command {
  id: string;
  type: string;
  [k: string]: unknown;
}

interface Live {
  agent: AgentRecord;
  stream: ServerHttp2Stream;
  address: string | null;
  lastBeat: number;
  counters: Record<string, unknown>;
}

export class LiveAgents {
  private readonly live = new Map<string, Live>();
  private timer?: TimerHandle;
  private nextCommand = 1;
  /** commands each agent has not acknowledged yet, by agent id */
  readonly unacked = new Map<string, Map<string, Command>>();

  constructor(
    private readonly o: {
      heartbeatMs: number;
      agents: AgentStore;
      clock: Clock;
      log: Logger;
      emit: (record: object) => void;
      /** what an agent gets right after hello (the current fleet bans) */
      initial?: (agent: AgentRecord) => Promise<Array<Omit<Command, "id">>>;
    },
  ) {}

  get count(): number {
    return this.live.size;
  }

  /** The agents connected now. */
  agents(): AgentRecord[] {
    return [...this.live.values()].map((l) => l.agent);
  }

  /** Ids of the agents connected now. */
  ids(): string[] {
    return [...this.live.keys()];
  }

  counters(id: string): Record<string, unknown> | undefined {
    return this.live.get(id)?.counters;
  }

  start(): void {
    this.timer = this.o.clock.setInterval(() => void this.check(), this.o.heartbeatMs);
  }

  stop(): void {
    this.timer?.cancel();
  }

  closeAll(): void {
    for (const l of this.live.values()) {
      l.stream.end();
      l.stream.session?.close();
    }
    this.live.clear();
  }

  async open(stream: ServerHttp2Stream, agent: AgentRecord, address: string | null, heartbeatS: number) {
    for (;;) {
      const existing = this.live.get(agent.id);
      if (!existing || existing.stream.closed) break;
      if (await this.answers(existing)) {
        if (this.live.get(agent.id) !== existing) continue; // it went meanwhile: look again
        this.refuseClone(stream, agent, address, existing);
        return;
      }
      if (this.live.get(agent.id) !== existing) continue;
      // half-open (the host lost power, or its address changed under NAT or DHCP): not a clone
      this.live.delete(agent.id);
      existing.stream.close();
      existing.stream.session?.destroy();
      await this.setStatus(agent, "disconnected", {
        reason: `its connection stopped answering; replaced by a new one from ${address ?? "an unknown address"}`,
        address: existing.address,
      });
    }
    if (stream.closed || stream.destroyed) return; // the new one gave up while the old one was asked
    const now = this.o.clock.now();
    const entry: Live = { agent, stream, address, lastBeat: now, counters: {} };
    this.live.set(agent.id, entry);
    stream.respond({ ":status": 200, "content-type": "application/x-ndjson" });
    stream.write(`${JSON.stringify({ type: "hello", id: "0", heartbeat: heartbeatS })}\n`);
    for (const c of this.unacked.get(agent.id)?.values() ?? []) stream.write(`${JSON.stringify(c)}\n`);
    for (const c of (await this.o.initial?.(agent)) ?? [])
      stream.write(`${JSON.stringify({ ...c, id: String(this.nextCommand++) })}\n`);
    stream.on("close", () => {
      if (this.live.get(agent.id) === entry) {
        this.live.delete(agent.id);
        void this.setStatus(agent, "disconnected", { reason: "connection closed", address });
      }
    });
    stream.on("error", () => {});
    await this.setStatus(agent, "active", { address }, { lastSeen: now, address });
  }

  /**
   * A second live stream with the same certificate while the first still answers: a copy of the agent's
   * data dir (a cloned VM) runs beside it.
   */
  private refuseClone(stream: ServerHttp2Stream, agent: AgentRecord, address: string | null, live: Live) {
    this.o.log.warn(
      { agent: agent.id, name: agent.name, address, liveAddress: live.address },
      "fleet: refused: a second live connection with the same certificate (clone suspected)",
    );
    this.o.emit({
      event: "clone_suspected",
      agent: agent.id,
      name: agent.name,
      address,
      liveAddress: live.address,
    });
    respondJson(stream, 409, {
      error: `clone suspected: another agent is connected with this certificate (${agent.name}, ${agent.id}, from ${live.address ?? "an unknown address"}); a cloned data directory or VM? enroll this host with its own token into a new data dir (mamori agent enroll --token T --data-dir DIR)`,
      reason: "clone_suspected",
    });
  }

  /**
   * Whether a live agent's connection still answers an HTTP/2 PING within a heartbeat period; one that
   * does not is half-open, and a new connection with its certificate replaces it rather than being
   * taken for a clone.
   */
  private answers(l: Live): Promise<boolean> {
    const session = l.stream.session;
    if (!session || session.closed || session.destroyed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = this.o.clock.setTimeout(() => resolve(false), this.o.heartbeatMs);
      const done = (alive: boolean) => {
        timer.cancel();
        resolve(alive);
      };
      try {
        // false: too many pings in flight already (many tries at once); it cannot tell, so alive
        if (!session.ping((err) => done(!err))) done(true);
      } catch {
        done(false); // the session is going away
      }
    });
  }

  async beat(agent: AgentRecord, address: string | null, body: unknown) {
    const now = this.o.clock.now();
    const b = (typeof body === "object" && body ? body : {}) as Record<string, unknown>;
    const l = this.live.get(agent.id);
    if (l) {
      l.lastBeat = now;
      l.counters =
        typeof b.counters === "object" && b.counters ? (b.counters as Record<string, unknown>) : {};
    }
    await this.o.agents.update(agent.id, {
      lastSeen: now,
      address,
      version: typeof b.version === "string" ? b.version.slice(0, 40) : agent.version,
      configVersion: typeof b.configVersion === "string" ? b.configVersion.slice(0, 80) : agent.configVersion,
    });
  }

  /** Sends a command to every live agent (or those `to` selects); kept until each acknowledges. */
  broadcast(cmd: Omit<Command, "id">, to: (a: AgentRecord) => boolean = () => true): string {
    const full = { ...cmd, id: String(this.nextCommand++) } as Command;
    for (const l of this.live.values()) {
      if (!to(l.agent)) continue;
      const q = this.unacked.get(l.agent.id) ?? new Map<string, Command>();
      this.unacked.set(l.agent.id, q);
      q.set(full.id, full);
      l.stream.write(`${JSON.stringify(full)}\n`);
    }
    return full.id;
  }

  /** An agent acknowledged a command: it is not resent; returns the command, if it was waiting. */
  acked(agentId: string, body: unknown): Command | undefined {
    const id = (body as { id?: unknown })?.id;
    if (typeof id !== "string") return undefined;
    const q = this.unacked.get(agentId);
    const cmd = q?.get(id);
    q?.delete(id);
    return cmd;
  }

  /** Closes a revoked agent's live connection (found revoked by a request or the periodic check). */
  cutRevoked(id: string): void {
    const l = this.live.get(id);
    if (!l) return;
    this.live.delete(id);
    this.o.log.warn({ agent: id, name: l.agent.name }, "fleet: agent revoked; its connection is closed");
    this.o.emit({ event: "revoked", agent: id, name: l.agent.name });
    l.stream.close();
    l.stream.session?.close();
  }

  /** Every beat period: cut agents silent for 3 beats and agents revoked meanwhile. */
  private async check(): Promise<void> {
    const now = this.o.clock.now();
    for (const [id, l] of [...this.live]) {
      try {
        const rec = await this.o.agents.get(id);
        if (rec?.status === "revoked") {
          this.cutRevoked(id);
          continue;
        }
        if (now - l.lastBeat >= MISSED_BEATS * this.o.heartbeatMs) {
          this.live.delete(id);
          l.stream.close();
          await this.setStatus(l.agent, "disconnected", {
            reason: `no heartbeat for ${MISSED_BEATS} periods`,
            address: l.address,
          });
        }
      } catch (err) {
        this.o.log.error({ err: errorMessage(err), agent: id }, "fleet: checking an agent failed");
      }
    }
  }

  private async setStatus(
    agent: AgentRecord,
    status: "active" | "disconnected",
    detail: Record<string, unknown>,
    fields: Partial<Pick<AgentRecord, "lastSeen" | "address">> = {},
  ) {
    const rec = await this.o.agents.get(agent.id);
    if (!rec || rec.status === "revoked") return;
    await this.o.agents.update(agent.id, { status, ...fields });
    const event = status === "active" ? "connected" : "disconnected";
    this.o.log.info({ agent: agent.id, name: agent.name, ...detail }, `fleet: agent ${event}`);
    this.o.emit({ event, agent: agent.id, name: agent.name, group: agent.group, ...detail });
  }
}
