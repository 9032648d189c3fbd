/**
 * Replays old log files through the live path on a virtual clock: the same pipeline, metric filters,
 * alarms and jails as `serve`, with the clock stepped to each event's time, so an alarm or a ban happens
 * in the replay exactly when it would have happened live. Nothing outside is touched by default: the
 * data goes to its own directory, jails use the dry-run action and notifications are not sent.
 */
import fs from "node:fs";
import readline from "node:readline";
import type { Logger } from "pino";
import type { MamoriConfig } from "../config/schema.js";
import { ManualClock } from "../core/clock.js";
import { UsageError } from "../core/errors.js";
import type { LogEvent } from "../core/event.js";
import { timestampParser } from "../core/timestamp.js";
import { Daemon } from "../daemon.js";
import { globToRegExp } from "../sources/shared/glob.js";

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
}

export interface ReplaySummary {
  lines: number;
  events: number;
  dataDir: string;
  firstEvent: number | null;
  lastEvent: number | null;
  alarms: Array<{ name: string; time: number; summary: string }>;
  bans: Array<{ jail: string; ip: string; start: number; end: number | null; failures: number }>;
}

const BATCH = 1000;

/** The config as replay runs it: no sources, its own data dir, and unless live, no side effects. */
export function replayConfig(config: MamoriConfig, dataDir: string, live: boolean): MamoriConfig {
  return {
    ...config,
    data_dir: dataDir,
    sources: [],
    jails: live ? config.jails : config.jails.map((j) => ({ ...j, action: "dry-run" as const })),
    topics: live ? config.topics : config.topics.map((t) => ({ ...t, subscriptions: [] })),
  };
}

/** The group a file's lines belong to: --group, else the file source whose path (or glob) names the file. */
export function groupForFile(file: string, config: MamoriConfig, group?: string): string {
  if (group) return group;
  for (const s of config.sources) {
    if (s.type !== "file") continue;
    const paths = Array.isArray(s.path) ? s.path : [s.path];
    if (paths.some((p) => p === file || globToRegExp(p).test(file))) return s.group;
  }
  const groups = [...new Set(config.sources.filter((s) => s.type === "file").map((s) => s.group))];
  if (groups.length === 1) return groups[0];
  throw new UsageError(
    `cannot tell which log group ${file} belongs to; pass --group GROUP (one of: ${groups.join(", ") || "no file sources in the config"})`,
  );
}

export async function replay(opts: ReplayOptions): Promise<ReplaySummary> {
  const groups = opts.files.map((f) => groupForFile(f, opts.config, opts.group));
  const parse = timestampParser(undefined, "local");
  const first = await firstTimestamp(opts.files, parse, opts.now);
  const clock = new ManualClock(first ?? opts.now);
  const daemon = new Daemon({
    config: replayConfig(opts.config, opts.dataDir, opts.live),
    clock,
    log: opts.log,
  });
  const summary: ReplaySummary = {
    lines: 0,
    events: 0,
    dataDir: opts.dataDir,
    firstEvent: first ?? null,
    lastEvent: null,
    alarms: [],
    bans: [],
  };
  await daemon.start();
  try {
    for (const [i, file] of opts.files.entries()) {
      let batch: LogEvent[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await daemon.ingest({ events: batch, checkpoints: [] });
        summary.events += batch.length;
        batch = [];
      };
      const rl = readline.createInterface({
        input: fs.createReadStream(file, { encoding: "utf8" }),
        crlfDelay: Number.POSITIVE_INFINITY,
      });
      for await (const line of rl) {
        summary.lines++;
        const ts = parse(line, opts.now) ?? clock.now();
        // a new minute, or a full batch: commit what came before, then let due timers (alarm periods, unbans) run
        if (
          batch.length >= BATCH ||
          (batch.length > 0 && Math.floor(ts / 60_000) !== Math.floor(batch[0].timestamp / 60_000))
        )
          await flush();
        if (ts > clock.now()) {
          clock.set(ts);
          await settle();
        }
        batch.push({
          group: groups[i],
          stream: opts.stream ?? file,
          timestamp: ts,
          ingestTime: clock.now(),
          message: line,
        });
        summary.lastEvent = Math.max(summary.lastEvent ?? ts, ts);
      }
      await flush();
    }
    // close the periods still open at the end of the logs (the longest alarm period, plus its evaluation delay)
    const longest = Math.max(60, ...opts.config.alarms.map((a) => a.period * a.evaluation_periods));
    clock.advance(longest * 1000 + 10_000);
    await settle();
    summary.alarms = await alarmTransitions(daemon, opts.config);
    summary.bans = await daemon.store.bans.history();
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

async function firstTimestamp(
  files: string[],
  parse: (l: string, now: number) => number | undefined,
  now: number,
): Promise<number | undefined> {
  for (const file of files) {
    if (!fs.existsSync(file)) throw new UsageError(`${file}: no such file`);
    const rl = readline.createInterface({ input: fs.createReadStream(file, { encoding: "utf8" }) });
    for await (const line of rl) {
      const t = parse(line, now);
      if (t !== undefined) {
        rl.close();
        return t;
      }
    }
  }
  return undefined;
}
