/**
 * What every source implements. A source reads from somewhere (files, journald, a socket, cloud files)
 * and hands batches to `emit`, which resolves once the batch is committed to the store together with
 * its checkpoints (and rejects when it could not be stored): awaiting it is the backpressure.
 */
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { SourceBatch } from "../pipeline/pipeline.js";
import type { LogStore } from "../store/store.js";

export type { SourceBatch } from "../pipeline/pipeline.js";

/** Counters a source exposes (lines read, lines cut, parse errors, files seen...). */
export type SourceStats = Record<string, number>;

export interface SourceContext {
  /** stable id of this source (config `id`, or derived from type + path/listen) */
  id: string;
  clock: Clock;
  log: Logger;
  /** host name for `{hostname}` streams */
  hostname: string;
  /** the fleet agent this daemon is (`{agent}`, `{agent_id}` streams); absent on a host without one */
  agent?: { id: string; name: string };
  /** to read the checkpoints this source saved before */
  logs: Pick<LogStore, "getCheckpoint" | "listCheckpoints" | "deleteCheckpoint">;
  /** Hands a batch to the pipeline; resolves when it is durably stored. */
  emit(batch: SourceBatch): Promise<void>;
}

export interface Source {
  /**
   * Runs until signal aborts (then resolves after finishing the batch in hand), or rejects on a failure
   * (the daemon restarts it with backoff).
   */
  run(signal: AbortSignal): Promise<void>;
  stats(): SourceStats;
}

export interface SourceFactory<C> {
  /** Derives the default id from the config (when `id` is not set). */
  defaultId(config: C): string;
  create(config: C, ctx: SourceContext): Source;
}
