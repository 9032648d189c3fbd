/**
 * One source as a part of the daemon, supervised: a source that fails (or stops on its own) is restarted
 * with exponential backoff on the clock and reported; the others go on. Stopping aborts it and waits
 * until what it handed over is settled.
 */
import type { Logger } from "pino";
import type { SourceConfig } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { Service } from "../service.js";
import type { LogStore } from "../store/store.js";
import type { Source, SourceBatch, SourceFactory } from "./types.js";

const MAX_BACKOFF_MS = 60_000;

export interface SourcePartEnv {
  clock: Clock;
  log: Logger;
  hostname: string;
  /** the fleet agent this daemon is, for `{agent}` and `{agent_id}` in stream names */
  agent?: { id: string; name: string };
  logs: SourceContextLogs;
  pipeline: Pick<Pipeline, "emitAndCommit" | "flushed">;
}

type SourceContextLogs = Pick<LogStore, "getCheckpoint" | "listCheckpoints" | "deleteCheckpoint">;

/** The id a source is known by (and keyed by across reloads): `id`, else what its type derives. */
export function sourceId(
  sc: SourceConfig,
  factory: SourceFactory<SourceConfig> | undefined,
  index: number,
): string {
  return sc.id ?? (factory ? factory.defaultId(sc) : `${sc.type}:${index}`);
}

export function sourceFingerprint(sc: SourceConfig, env: Pick<SourcePartEnv, "hostname" | "agent">): string {
  return JSON.stringify({ sc, host: env.hostname, agent: env.agent });
}

export function buildSourcePart(
  sc: SourceConfig,
  id: string,
  factory: SourceFactory<SourceConfig> | undefined,
  env: SourcePartEnv,
): Service {
  const log = env.log.child({ source: id });
  let abort: AbortController | undefined;
  let done: Promise<void> = Promise.resolve();
  let source: Source | undefined;
  let restarts = 0;

  const supervise = async (signal: AbortSignal, f: SourceFactory<SourceConfig>) => {
    let backoff = 1000;
    // the same failure again and again is said once; the rest go to debug until it recovers or changes
    let failing: string | undefined;
    const emit = (batch: SourceBatch) => {
      if (failing) {
        log.info({ restarts }, "source recovered: it reads again");
        failing = undefined;
      }
      // resolves after the commit: a checkpoint never moves past a batch that failed to store
      return env.pipeline.emitAndCommit(batch);
    };
    while (!signal.aborted) {
      const startedAt = env.clock.now();
      try {
        source = f.create(sc, {
          id,
          clock: env.clock,
          log,
          hostname: env.hostname,
          agent: env.agent,
          logs: env.logs,
          emit,
        });
        await source.run(signal);
        if (signal.aborted) break;
        throw new Error("the source stopped on its own");
      } catch (err) {
        if (signal.aborted) break;
        // what the failed instance handed over is committed before a new one reads its checkpoints
        await env.pipeline.flushed();
        restarts++;
        if (env.clock.now() - startedAt > MAX_BACKOFF_MS) backoff = 1000;
        const message = errorMessage(err);
        const fields = { err: message, restarts, retryInMs: backoff };
        if (failing === message) log.debug(fields, "source failed again the same way");
        else {
          failing = message;
          log.error(
            fields,
            "source failed; restarting it with backoff (the same failure again is logged at debug level until the source recovers)",
          );
        }
        try {
          await env.clock.sleep(backoff, signal);
        } catch {
          break;
        }
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  };

  return {
    name: `source:${id}`,
    async start() {
      if (!factory) {
        log.error('source type "%s" is not available in this build; it is skipped', sc.type);
        return;
      }
      if (abort) return;
      abort = new AbortController();
      done = supervise(abort.signal, factory);
    },
    async stop() {
      abort?.abort(new Error("stopping"));
      await done.catch(() => {});
      abort = undefined;
      // what it handed over is committed before its replacement reads the checkpoints
      await env.pipeline.flushed();
    },
    stats: () => ({ ...(source?.stats() ?? {}), restarts }),
  };
}
