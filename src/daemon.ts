/**
 * The daemon: builds every part from a validated config (src/parts.ts), supervises them, reloads on
 * SIGHUP by diff, and on SIGTERM drains the pipeline and exits cleanly.
 *
 * A reload compares each alarm, jail and source with the running one of the same key: unchanged parts
 * keep running untouched (a jail keeps its failure counts, an alarm its pending evaluations), changed ones
 * are replaced (a jail takes over its predecessor's counter), new ones start before any removed one stops.
 * Topics are updated in place (queued notifications stay queued). When a part fails to start, everything
 * the reload changed is rolled back, so the old configuration keeps running; the log says what runs.
 */
import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import type { RunningJail } from "./api/deps.js";
import type { ApiPart } from "./api/part.js";
import type { MamoriConfig } from "./config/schema.js";
import type { Clock } from "./core/clock.js";
import { errorMessage } from "./core/errors.js";
import type { JailFilter } from "./jails/jail.js";
import type { JailDeps, JailPart } from "./jails/part.js";
import {
  type ApiTestOptions,
  buildFleetParts,
  buildHttpPart,
  buildSharedParts,
  channelSettings,
  configDirOf,
  type PartSpec,
  type PartsEnv,
  planParts,
  type SharedParts,
} from "./parts.js";
import { Pipeline } from "./pipeline/pipeline.js";
import { applyPlan, type RunningPart } from "./reload.js";
import type { Service } from "./service.js";
import type { SourceFactoryMap } from "./sources/index.js";
import { sources } from "./sources/index.js";
import type { SourceBatch } from "./sources/types.js";
import { type DiskSpaceReader, DiskSpaceWatch } from "./store/disk-space.js";
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
  /** what tests replace in jails (resolver, own addresses, actions, poll period) */
  jailDeps?: JailDeps;
  /** the jail filters `loadConfigFile` compiled while checking the config (so serve compiles each once) */
  jailFilters?: ReadonlyMap<string, JailFilter>;
  /** overrides how the data directory's free space is read (tests); default statfs */
  diskSpace?: DiskSpaceReader;
  /**
   * Run the web UI/API server of `http:` (when http.enabled). `mamori serve` turns it on; replay and
   * tests that do not need it leave it off, so they never bind a port. An object: on, with test options.
   */
  serveHttp?: boolean | ApiTestOptions;
  /** how long one line may take in one filter, ms (tests; default DEFAULT_LINE_BUDGET_MS) */
  lineBudgetMs?: number;
  /** see LineBudget.retries (replay: a busy machine must not make it skip lines) */
  lineBudgetRetries?: number;
}

const RETENTION_EVERY_MS = 3_600_000;

export class Daemon {
  private config: MamoriConfig;
  private configPath?: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  readonly store: SqliteStore;
  private readonly pipeline: Pipeline;
  private readonly env: PartsEnv;
  private shared?: SharedParts;
  /** the keyed parts running now, in start order */
  private running: RunningPart[] = [];
  /** the fleet server and/or agent forwarder (src/fleet/); started once, kept across reloads */
  private fleet: Service[] = [];
  private retentionTimer?: { cancel(): void };
  private stopped = false;
  /** the free-space watch of data_dir; none when a test hands in a store that lives elsewhere */
  private readonly diskSpace?: DiskSpaceWatch;
  private readonly serveHttp: boolean | ApiTestOptions;
  private http?: ApiPart;

  constructor(opts: DaemonOptions) {
    this.config = opts.config;
    this.configPath = opts.configPath;
    this.clock = opts.clock;
    this.log = opts.log;
    this.serveHttp = opts.serveHttp ?? false;
    this.store = opts.store ?? openSqliteStore(path.resolve(opts.config.data_dir), { log: opts.log });
    this.pipeline = new Pipeline({
      logs: this.store.logs,
      log: this.log.child({ part: "pipeline" }),
      lineBudgetMs: opts.lineBudgetMs,
      lineBudgetRetries: opts.lineBudgetRetries,
    });
    this.env = {
      store: this.store,
      clock: this.clock,
      log: this.log,
      pipeline: this.pipeline,
      hostname: () => this.hostname,
      sourceFactories: opts.sourceFactories ?? sources,
      jailDeps: opts.jailDeps,
      jailFilters: opts.jailFilters,
    };
    if (!opts.store || opts.diskSpace)
      this.diskSpace = new DiskSpaceWatch({
        dir: path.resolve(opts.config.data_dir),
        clock: opts.clock,
        log: opts.log.child({ part: "store" }),
        read: opts.diskSpace,
      });
  }

  get hostname(): string {
    return this.config.hostname ?? os.hostname();
  }

  /** The shared parts (notify, metric filters, detections); tests look into them. */
  get parts(): SharedParts {
    if (!this.shared) throw new Error("the daemon has not started");
    return this.shared;
  }

  /** A running fleet part ("fleet-server", "fleet-agent"), for tests and status output. */
  fleetPart(name: string): Service | undefined {
    return this.fleet.find((p) => p.name === name);
  }

  /** A running keyed part ("jail", "sshd"), for tests and status output. */
  part(kind: PartSpec["kind"], key: string) {
    return this.running.find((r) => r.kind === kind && r.key === key)?.service;
  }

  /** Builds and starts every part; sources start last, so every consumer sees their first event. */
  async start(): Promise<void> {
    await this.ensureGroups(this.config);
    const dir = configDirOf(this.configPath);
    this.shared = buildSharedParts(this.config, dir, this.env);
    await this.shared.notify.service.start();
    await this.shared.metrics.service.start();
    const plan = planParts(this.config, dir, this.env, this.shared);
    this.running = await applyPlan([], plan, this.log);
    if (this.serveHttp && this.config.http.enabled) {
      this.http = buildHttpPart(
        this.env,
        this.shared,
        { config: () => this.config, jails: () => this.runningJails() },
        typeof this.serveHttp === "object" ? this.serveHttp : {},
      );
      await this.http.start();
    }
    const fleetParts = buildFleetParts(this.config, this.env, this.shared, () => this.config, {
      reload: (c) => this.reload(c, this.configPath),
      configFile: () => this.configPath,
      hostCheck: (name) => this.part("hids", name),
    });
    for (const part of fleetParts) {
      await part.start();
      this.fleet.push(part);
    }
    this.retentionTimer = this.clock.setInterval(() => void this.enforceRetention(), RETENTION_EVERY_MS);
    void this.enforceRetention();
    this.diskSpace?.start();
    this.log.info({ ...this.whatRuns(), dataDir: this.config.data_dir }, "mamori is running");
  }

  /** The web UI/API server, when it runs (tests read its URL). */
  get httpServer(): ApiPart | undefined {
    return this.http;
  }

  private runningJails(): ReadonlyMap<string, RunningJail> {
    const out = new Map<string, RunningJail>();
    for (const r of this.running)
      if (r.kind === "jail") {
        const j = r.service as JailPart;
        out.set(r.key, { config: j.config, manager: j.manager });
      }
    return out;
  }

  private async ensureGroups(config: MamoriConfig): Promise<void> {
    const now = this.clock.now();
    for (const g of config.log_groups)
      await this.store.logs.ensureGroup(g.name, g.retention_days ?? null, now);
  }

  private whatRuns() {
    const keys = (kind: PartSpec["kind"]) => this.running.filter((r) => r.kind === kind).map((r) => r.key);
    return {
      sources: keys("source"),
      jails: keys("jail"),
      alarms: keys("alarm"),
      hids: keys("hids"),
      topics: this.config.topics.map((t) => t.name),
    };
  }

  private async enforceRetention(): Promise<void> {
    try {
      const removed = await this.store.logs.enforceRetention(this.clock.now(), this.config.retention_days);
      if (removed > 0) this.log.info({ removed }, "retention: old events deleted");
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, "retention failed");
    }
  }

  /** Pushes a batch through the live path (as a source would) and resolves once it is committed; `replay` uses it. */
  ingest(batch: SourceBatch): Promise<void> {
    return this.pipeline.emitAndCommit(batch);
  }

  /** Every part's counters: pipeline, notify, metric filters, each source, jail, alarm and host check by key. */
  stats(): Record<string, unknown> {
    const byKind = (kind: PartSpec["kind"]) =>
      Object.fromEntries(
        this.running.filter((r) => r.kind === kind).map((r) => [r.key, r.service.stats?.() ?? {}]),
      );
    return {
      pipeline: { ...this.pipeline.counters },
      diskSpace: this.diskSpace?.last,
      notify: this.shared?.notify.service.stats?.() ?? {},
      metrics: this.shared?.metrics.service.stats?.() ?? {},
      sources: byKind("source"),
      jails: byKind("jail"),
      alarms: byKind("alarm"),
      hids: byKind("hids"),
      http: this.http?.stats?.(),
      fleet: Object.fromEntries(this.fleet.map((p) => [p.name, p.stats?.() ?? {}])),
    };
  }

  /**
   * Swaps in a new, already validated config by diff (see the top of this file). Rejects when a new part
   * failed to start; the old configuration then still runs, as the log says.
   */
  async reload(
    config: MamoriConfig,
    configPath?: string,
    jailFilters?: ReadonlyMap<string, JailFilter>,
  ): Promise<void> {
    if (!this.shared) throw new Error("the daemon has not started");
    if (path.resolve(config.data_dir) !== path.resolve(this.config.data_dir)) {
      this.log.warn(
        "data_dir changed: a reload keeps the open store (%s); restart mamori to move it",
        this.config.data_dir,
      );
      config = { ...config, data_dir: this.config.data_dir };
    }
    if (JSON.stringify(config.http) !== JSON.stringify(this.config.http)) {
      this.log.warn(
        "http changed: a reload keeps the web UI/API server as it runs; restart mamori to apply it",
      );
      config = { ...config, http: this.config.http };
    }
    const shared = this.shared;
    if (
      JSON.stringify(config.server) !== JSON.stringify(this.config.server) ||
      JSON.stringify(config.agent) !== JSON.stringify(this.config.agent)
    )
      this.log.warn(
        "server: or agent: changed: a reload keeps the running fleet part; restart mamori to apply it",
      );
    const before = { config: this.config, configPath: this.configPath, jailFilters: this.env.jailFilters };
    const dir = configDirOf(configPath);
    await this.ensureGroups(config);
    // the shared parts first: new alarms and jails publish to new topics and read the new filters
    const undoMetrics = shared.metrics.update(config.metric_filters);
    let topics: Awaited<ReturnType<SharedParts["notify"]["update"]>>;
    try {
      topics = await shared.notify.update(config.topics, channelSettings(config));
    } catch (err) {
      undoMetrics?.();
      this.logRefused(err);
      throw err;
    }
    this.config = config;
    this.configPath = configPath;
    this.env.jailFilters = jailFilters;
    try {
      const plan = planParts(config, dir, this.env, shared);
      this.running = await applyPlan(this.running, plan, this.log);
    } catch (err) {
      this.config = before.config;
      this.configPath = before.configPath;
      this.env.jailFilters = before.jailFilters;
      undoMetrics?.();
      await shared.notify
        .update(before.config.topics, channelSettings(before.config))
        .catch((e) => this.log.error({ err: errorMessage(e) }, "restoring the old topics failed"));
      this.logRefused(err);
      throw err;
    }
    for (const p of this.fleet) (p as { configChanged?: () => void }).configChanged?.();
    this.log.info({ ...this.whatRuns(), topicsChanged: topics }, "configuration reloaded");
  }

  private logRefused(err: unknown): void {
    this.log.error(
      { err: errorMessage(err), ...this.whatRuns() },
      "reload failed: the old configuration keeps running",
    );
  }

  /** Stops the sources, commits what they handed over, then stops every other part. */
  private async stopParts(): Promise<void> {
    this.retentionTimer?.cancel();
    await this.http
      ?.stop()
      .catch((err) => this.log.error({ err: errorMessage(err) }, "stopping the web server failed"));
    this.diskSpace?.stop();
    for (const p of [...this.fleet].reverse()) {
      try {
        await p.stop();
      } catch (err) {
        this.log.error({ err: errorMessage(err), service: p.name }, "stopping a part failed");
      }
    }
    this.fleet = [];
    for (const r of [...this.running].reverse()) {
      try {
        await r.service.stop();
      } catch (err) {
        this.log.error({ err: errorMessage(err), service: r.service.name }, "stopping a part failed");
      }
    }
    this.running = [];
    await this.pipeline.flushed();
    if (this.shared) {
      await this.shared.metrics.service.stop();
      await this.shared.notify.service.stop();
    }
    // detections the last parts made on their way out are stored before the store closes
    await this.pipeline.flushed();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.stopParts();
    await this.store.close();
    this.log.info("mamori stopped");
  }
}
