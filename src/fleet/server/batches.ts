/**
 * POST /v1/batch on the server: one batch at a time per agent (the sequence check and the commit must
 * not interleave), committed, then acknowledged; a replay is acknowledged again, a skip answered with
 * the server's position.
 */
import type { ServerHttp2Stream } from "node:http2";
import type { Logger } from "pino";
import type { Clock } from "../../core/clock.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import type { AgentRecord, Store } from "../../store/store.js";
import { respondJson } from "../wire.js";
import { ingestBatch, parseBatch } from "./ingest.js";

export interface BatchDeps {
  store: Pick<Store, "logs">;
  pipeline: Pick<Pipeline, "emitAndCommit">;
  clock: Clock;
  log: Logger;
  counters: { batches: number; events: number; duplicates: number; refused: number };
  /** the request's JSON body, or undefined after refusing it */
  body(stream: ServerHttp2Stream, who: string): Promise<unknown>;
  refuse(stream: ServerHttp2Stream, status: number, error: string, ctx: Record<string, unknown>): void;
}

export class BatchIngest {
  /** one batch at a time per agent */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: BatchDeps) {}

  async handle(stream: ServerHttp2Stream, agent: AgentRecord): Promise<void> {
    const { counters, log } = this.deps;
    const body = await this.deps.body(stream, agent.id);
    if (body === undefined) return;
    const batch = parseBatch(body);
    if (typeof batch === "string")
      return this.deps.refuse(stream, 400, `batch: ${batch}`, { agent: agent.id });
    const previous = this.locks.get(agent.id) ?? Promise.resolve();
    const run = previous.then(() =>
      ingestBatch(
        batch,
        { id: agent.id, stream: agent.name },
        { logs: this.deps.store.logs, pipeline: this.deps.pipeline, now: this.deps.clock.now() },
      ),
    );
    this.locks.set(
      agent.id,
      run.catch(() => {}),
    );
    const out = await run;
    if (out.kind === "gap") {
      // the answer carries the server's position, from which an honest agent resends (a server restored
      // from a backup is behind its agents)
      const why = `batch: sequence ${batch.seq} skips ahead; expected ${out.expected}`;
      counters.refused++;
      log.warn({ agent: agent.id, expected: out.expected, status: 409 }, `fleet: refused: ${why}`);
      return respondJson(stream, 409, { error: why, position: out.position });
    }
    counters.batches++;
    if (out.kind === "duplicate") {
      counters.duplicates++;
      log.info({ agent: agent.id, seq: batch.seq }, "fleet: batch already committed; acknowledged again");
    } else counters.events += out.stored;
    respondJson(stream, 200, out.ack);
  }
}
