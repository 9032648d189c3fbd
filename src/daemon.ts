/**
 * The daemon: builds every part from a validated config, supervises the sources (a failing source is
 * restarted with backoff and reported; the rest go on), reloads on SIGHUP (a bad new config is reported
 * and the old one keeps running), and on SIGTERM drains the pipeline and exits cleanly.
 */
import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import type { MamoriConfig, SourceConfig } from "./config/schema.js";
import type { Clock } from "./core/clock.js";
import { errorMessage } from "./core/errors.js";
import { type PartBuilder, parts } from "./parts.js";
import { Pipeline } from "./pipeline/pipeline.js";
import type { Service, ServiceContext } from "./service.js";
import { type SourceFactoryMap, sources } from "./sources/index.js";
import type { Source, SourceBatch, SourceFactory } from "./sources/types.js";
import { openSqliteStore, type SqliteStore } from "./store/sqlite/index.js";

export interface DaemonOptions {
  config: MamoriConfig;
  configPath?: string;
  clock: Clock;
  log: Logger;
  /** overrides the store (tests); default: SQLite in config.data_dir */
  store?: SqliteStore;
  /** overrides the source map (tests); default: src/sources/index.ts */
  sourceFactories?: Partial<SourceFactoryMap>;
  /** builds some parts otherwise than src/parts.ts does (replay: jails without the store poll) */
  partOverrides?: Partial<Record<string, PartBuilder>>;
}

interface RunningSource {
  id: string;
  type: string;
  source?: Source;
  abort: AbortController;
  done: Promise<void>;
  restarts: number;
}

const RETENTION_EVERY_MS = 3_600_000;
const MAX_BACKOFF_MS = 60_000;

export class Daemon {
  private config: MamoriConfig;
  private configPath?: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  readonly store: SqliteStore;
  private pipeline!: Pipeline;
  private services: Service[] = [];
  private running: RunningSource[] = [];
  private retentionTimer?: { cancel(): void };
  private stopped = false;
  private readonly sourceFactories: Partial<SourceFactoryMap>;
  private readonly partOverrides: Partial<Record<string, PartBuilder>>;

  constructor(opts: DaemonOptions) {
    this.partOverrides = opts.partOverrides ?? {};
    this.config = opts.config;
    this.configPath = opts.configPath;
    this.clock = opts.clock;
    this.log = opts.log;
    this.store = opts.store ?? openSqliteStore(path.resolve(opts.config.data_dir));
    this.sourceFactories = opts.sourceFactories ?? sources;
  }

  get hostname(): string {
    return this.config.hostname ?? os.hostname();
  }

  /** Builds and starts every part; sources start last, so every consumer sees their first event. */
  async start(): Promise<void> {
    const now = this.clock.now();
    for (const g of this.config.log_groups)
      await this.store.logs.ensureGroup(g.name, g.retention_days ?? null, now);
    this.pipeline = new Pipeline({ logs: this.store.logs, log: this.log.child({ part: "pipeline" }) });
    const ctx: ServiceContext = {
      config: this.config,
      configPath: this.configPath,
      store: this.store,
      clock: this.clock,
      log: this.log,
      hostname: this.hostname,
      pipeline: this.pipeline,
      publisher: { publish: () => {} },
    };
    this.services = [];
    for (const [name, defaultBuild] of Object.entries(parts)) {
      const build = this.partOverrides[name] ?? defaultBuild;
      const built = await build(ctx);
      if (built.publisher) ctx.publisher = built.publisher;
      for (const s of built.services) this.services.push(s);
      this.log.debug({ part: name, services: built.services.map((s) => s.name) }, "built");
    }
    for (const s of this.services) await s.start();
    for (const [i, sc] of this.config.sources.entries()) this.startSource(sc, i);
    this.retentionTimer = this.clock.setInterval(() => void this.enforceRetention(), RETENTION_EVERY_MS);
    void this.enforceRetention();
    this.log.info(
      {
        sources: this.running.map((r) => r.id),
        services: this.services.map((s) => s.name),
        dataDir: this.config.data_dir,
      },
      "mamori is running",
    );
  }

  private startSource(sc: SourceConfig, index: number): void {
    const factory = this.sourceFactories[sc.type] as SourceFactory<SourceConfig> | undefined;
    const id = sc.id ?? (factory ? factory.defaultId(sc) : `${sc.type}:${index}`);
    const abort = new AbortController();
    const entry: RunningSource = { id, type: sc.type, abort, done: Promise.resolve(), restarts: 0 };
    const log = this.log.child({ source: id });
    if (!factory) {
      log.error('source type "%s" is not available in this build; it is skipped', sc.type);
      return;
    }
    const pipeline = this.pipeline;
    entry.done = (async () => {
      let backoff = 1000;
      while (!abort.signal.aborted) {
        const startedAt = this.clock.now();
        try {
          entry.source = factory.create(sc, {
            id,
            clock: this.clock,
            log,
            hostname: this.hostname,
            logs: this.store.logs,
            // resolves after the commit: a checkpoint never moves past a batch that failed to store
            emit: (batch) => pipeline.emitAndCommit(batch),
          });
          await entry.source.run(abort.signal);
          if (abort.signal.aborted) break;
          throw new Error("the source stopped on its own");
        } catch (err) {
          if (abort.signal.aborted) break;
          // what the failed instance handed over is committed before a new one reads its checkpoints
          await this.pipeline.flushed();
          entry.restarts++;
          if (this.clock.now() - startedAt > MAX_BACKOFF_MS) backoff = 1000;
          log.error(
            { err: errorMessage(err), restarts: entry.restarts, retryInMs: backoff },
            "source failed; restarting it with backoff",
          );
          try {
            await this.clock.sleep(backoff, abort.signal);
          } catch {
            break;
          }
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
      }
    })();
    this.running.push(entry);
  }

  private async enforceRetention(): Promise<void> {
    try {
      const removed = await this.store.logs.enforceRetention(this.clock.now());
      if (removed > 0) this.log.info({ removed }, "retention: old events deleted");
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, "retention failed");
    }
  }

  /** Pushes a batch through the live path (as a source would) and resolves once it is committed; `replay` uses it. */
  ingest(batch: SourceBatch): Promise<void> {
    return this.pipeline.emitAndCommit(batch);
  }

  /** Sources, pipeline and services counters, for status output and tests. */
  stats(): Record<string, unknown> {
    return {
      pipeline: { ...this.pipeline.counters },
      sources: Object.fromEntries(
        this.running.map((r) => [r.id, { ...(r.source?.stats() ?? {}), restarts: r.restarts }]),
      ),
    };
  }

  /** Stops the sources, commits what they handed over, then stops every other part. */
  private async stopParts(): Promise<void> {
    for (const r of this.running) r.abort.abort(new Error("stopping"));
    await Promise.allSettled(this.running.map((r) => r.done));
    this.running = [];
    await this.pipeline.flushed();
    this.retentionTimer?.cancel();
    for (const s of [...this.services].reverse()) {
      try {
        await s.stop();
      } catch (err) {
        this.log.error({ err: errorMessage(err), service: s.name }, "stopping a part failed");
      }
    }
    this.services = [];
  }

  /** Swaps in a new, already validated config: stops the parts and builds them again on the same store. */
  async reload(config: MamoriConfig, configPath?: string): Promise<void> {
    if (path.resolve(config.data_dir) !== path.resolve(this.config.data_dir)) {
      this.log.warn(
        "data_dir changed: a reload keeps the open store (%s); restart mamori to move it",
        this.config.data_dir,
      );
      config = { ...config, data_dir: this.config.data_dir };
    }
    await this.stopParts();
    this.config = config;
    this.configPath = configPath;
    await this.start();
    this.log.info("configuration reloaded");
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.stopParts();
    await this.store.close();
    this.log.info("mamori stopped");
  }
}
