/**
 * Replays old log files through the live path on a virtual clock: the same pipeline, metric filters,
 * alarms and jails as `serve`, with the clock stepped to each event's time, so an alarm or a ban happens
 * in the replay exactly when it would have happened live. Nothing outside is touched by default: the
 * data goes to its own directory, jails use the dry-run action and notifications are not sent.
 */
import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import type { MamoriConfig } from "../config/schema.js";
import { ManualClock } from "../core/clock.js";
import type { LogEvent } from "../core/event.js";
import { timestampParser } from "../core/timestamp.js";
import { Daemon } from "../daemon.js";
import { defaultFilter } from "../jails/part.js";
import { DEFAULT_LINE_BUDGET_MS } from "../pipeline/budget.js";
import { statfsReader } from "../store/disk-space.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { FilterThread, precomputable } from "./filter-thread.js";
import { endsBatch, fileLines, firstTimestamp } from "./lines.js";
import { groupForFile, replayFilterPaths } from "./setup.js";
import { REPLAY_PAGE_SIZE, ReplayTransaction } from "./transaction.js";

export { fileLines, groupForFile };

export interface ReplayOptions {
  files: string[];
  config: MamoriConfig;
  /** log group the lines go to; default: the group of the config's file source whose path matches */
  group?: string;
  dataDir: string;
  /** keep the jails' actions and the topics' subscriptions as configured */
  live: boolean;
  log: Logger;
  /** reference time for year-less dates (the wall clock) */
  now: number;
  stream?: string;
  /**
   * How the replay spends its time (tests compare against the path before: a commit per stored batch,
   * the event loop settled at every second of log, the jails' filters on the main thread). Results do not
   * depend on it.
   */
  pacing?: { commitEveryEvents?: number; settleEverySecond?: boolean; filterThread?: boolean };
  /** how long one line may take in one filter before it is stopped, ms (tests; default 250) */
  lineBudgetMs?: number;
}

export interface ReplaySummary {
  lines: number;
  events: number;
  dataDir: string;
  firstEvent: number | null;
  lastEvent: number | null;
  alarms: Array<{ name: string; time: number; summary: string }>;
  bans: Array<{ jail: string; ip: string; start: number; end: number | null; failures: number }>;
  /**
   * Lines a filter or metric pattern gave up on, once per line and filter (still over the line budget
   * after its retries: see REPLAY_BUDGET_RETRIES), each logged at warn; their results are missing
   */
  overBudgetLines: number;
}

/**
 * How often (in replayed time) a jail saves its counters for `mamori jails status`: live it is every
 * second, which for hours of replayed log was one write transaction per replayed second (5% of a
 * replay); the counters are saved again when the replay stops.
 */
const REPLAY_STATS_DELAY_MS = 10 * 60_000;
/**
 * A line stopped by its budget is run again under 4 and then 16 times the budget before it is skipped:
 * the budget guards against patterns that never end (fail2ban and CrowdSec have no such guard at all: a
 * catastrophic regex hangs them), and replay, unlike a live daemon, must give the same results on a busy
 * machine, where a thread can stall for longer than 250 ms, as on an idle one.
 */
const REPLAY_BUDGET_RETRIES = 2;

/** The config as replay runs it: no sources, its own data dir, and unless live, no side effects. */
export function replayConfig(config: MamoriConfig, dataDir: string, live: boolean): MamoriConfig {
  return {
    ...config,
    // asked of the system once, not at every ban and ban event (a system call each: 2% of a replay)
    hostname: config.hostname ?? os.hostname(),
    data_dir: dataDir,
    sources: [],
    jails: live ? config.jails : config.jails.map((j) => ({ ...j, action: "dry-run" as const })),
    topics: live ? config.topics : config.topics.map((t) => ({ ...t, subscriptions: [] })),
  };
}

export async function replay(opts: ReplayOptions): Promise<ReplaySummary> {
  const groups = opts.files.map((f) => groupForFile(f, opts.config, opts.group));
  const streams = opts.files.map((f) => opts.stream ?? f);
  const config = replayConfig(opts.config, opts.dataDir, opts.live);
  const { configDir, filterDirs } = replayFilterPaths(config);
  // the jails' filters run ahead on another core (see filter-worker.ts); started first, as it has
  // modules to load and filters to compile
  const threaded = opts.pacing?.filterThread === false ? [] : precomputable(config.jails, groups);
  const thread =
    threaded.length === 0
      ? undefined
      : new FilterThread({
          files: opts.files,
          groups,
          streams,
          now: opts.now,
          jails: threaded,
          configDir,
          filterDirs,
          budgetMs: opts.lineBudgetMs ?? DEFAULT_LINE_BUDGET_MS,
          budgetRetries: REPLAY_BUDGET_RETRIES,
          log: opts.log,
        });
  try {
    const parse = timestampParser(undefined, "local");
    const first = await firstTimestamp(opts.files, parse, opts.now);
    const clock = new ManualClock(first ?? opts.now);
    return await replayWith(opts, {
      groups,
      streams,
      parse,
      first,
      clock,
      config,
      thread,
      configDir,
      filterDirs,
    });
  } finally {
    await thread?.stop();
  }
}

interface ReplaySetup {
  groups: string[];
  streams: string[];
  parse: (l: string, now: number) => number | undefined;
  first: number | undefined;
  clock: ManualClock;
  config: MamoriConfig;
  thread?: FilterThread;
  configDir: string;
  filterDirs: string[];
}

async function replayWith(opts: ReplayOptions, r: ReplaySetup): Promise<ReplaySummary> {
  const { clock, parse, thread } = r;
  const daemon = new Daemon({
    config: r.config,
    // a data dir created by the replay gets larger pages (see REPLAY_PAGE_SIZE); an existing one keeps its own
    store: openSqliteStore(path.resolve(r.config.data_dir), { log: opts.log, pageSize: REPLAY_PAGE_SIZE }),
    // the free-space watch the daemon keeps for the store it opens itself
    diskSpace: statfsReader,
    clock,
    log: opts.log,
    // nothing but the replay writes its data dir: the jails need not poll the store for bans the CLI
    // added (a poll every 2 s of replayed time read all active bans: a quarter of a replay's time)
    jailDeps: {
      pollMs: 0,
      statsDelayMs: REPLAY_STATS_DELAY_MS,
      loadFilter: (cfg) =>
        thread?.filterFor(cfg.name) ??
        defaultFilter(cfg, { configDir: r.configDir, filterDirs: r.filterDirs, clock }),
    },
    lineBudgetMs: opts.lineBudgetMs,
    lineBudgetRetries: REPLAY_BUDGET_RETRIES,
  });
  const summary: ReplaySummary = {
    lines: 0,
    events: 0,
    dataDir: opts.dataDir,
    firstEvent: r.first ?? null,
    lastEvent: null,
    alarms: [],
    bans: [],
    overBudgetLines: 0,
  };
  await daemon.start();
  const tx = new ReplayTransaction(daemon.store.db, opts.pacing?.commitEveryEvents);
  tx.start();
  /** lines in stored batches and the batch being cut */
  let read = 0;
  try {
    for (const [i, file] of opts.files.entries()) {
      const group = r.groups[i];
      const stream = r.streams[i];
      let batch: LogEvent[] = [];
      /** a batch was stored since the event loop last settled (jails and alarms may have work queued) */
      let stored = false;
      const flush = async (minuteEnded: boolean) => {
        if (batch.length === 0) return;
        // the jails look up what the filter thread found on these lines
        if (thread && !thread.readySync(read)) await thread.ready(read);
        await daemon.ingest({ events: batch, checkpoints: [] });
        summary.events += batch.length;
        tx.stored(batch.length, minuteEnded, summary.lastEvent);
        batch = [];
        stored = true;
      };
      // the lines indexed: an iterator allocated a result object per line (this async function is not
      // optimized as a whole)
      for await (const lines of fileLines(file))
        for (let l = 0; l < lines.length; l++) {
          const line = lines[l];
          summary.lines++;
          const ts = parse(line, opts.now) ?? clock.now();
          // a new minute, or a full batch: store what came before, then let due timers (alarm periods, unbans) run
          if (endsBatch(batch.length, batch[0]?.timestamp, ts))
            await flush(Math.floor(ts / 60_000) !== Math.floor(batch[0].timestamp / 60_000));
          if (ts > clock.now()) {
            const fired = clock.fired;
            clock.set(ts);
            // work is queued only by a timer that fired or a batch stored (three turns of the event loop
            // at every second of log were a tenth of a replay); live actions do real I/O: every second
            if (clock.fired !== fired || stored || opts.live || opts.pacing?.settleEverySecond) {
              stored = false;
              await settle();
            }
          }
          batch.push({ group, stream, timestamp: ts, ingestTime: clock.now(), message: line });
          read++;
          if (summary.lastEvent === null || ts > summary.lastEvent) summary.lastEvent = ts;
        }
      await flush(false);
    }
    // close the periods still open at the end of the logs (the longest alarm period, plus its evaluation delay)
    const longest = Math.max(60, ...opts.config.alarms.map((a) => a.period * a.evaluation_periods));
    clock.advance(longest * 1000 + 10_000);
    await settle();
    // only now (waiting lets queued work run): the jails were given exactly the lines the thread worked
    await thread?.finish();
    tx.finish(summary.lastEvent);
    summary.alarms = await alarmTransitions(daemon, opts.config);
    summary.bans = await daemon.store.bans.history();
    const pipeline = daemon.stats().pipeline as { overBudgetLines: number };
    summary.overBudgetLines = pipeline.overBudgetLines + (thread?.overBudgetLines ?? 0);
  } finally {
    await daemon.stop();
  }
  return summary;
}

async function alarmTransitions(daemon: Daemon, config: MamoriConfig): Promise<ReplaySummary["alarms"]> {
  const out: ReplaySummary["alarms"] = [];
  for (const a of config.alarms) {
    for (const h of await daemon.store.alarms.history(a.name, 1000)) {
      if (h.type === "StateUpdate") out.push({ name: a.name, time: h.timestamp, summary: h.summary });
    }
  }
  return out.sort((x, y) => x.time - y.time);
}

/** Lets work queued by fired timers (evaluations, deliveries) run before time moves on. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}
