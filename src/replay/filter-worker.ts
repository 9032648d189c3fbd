/**
 * Replay's filter thread: runs the jails' fail2ban filters over the replayed files ahead of the replay
 * loop, on the second core. A filter's results (and its multi-line state) depend only on the lines it is
 * given, their event times and the clock it reads, never on the jail: so this thread walks the files as
 * the replay loop does (same lines, same event times, same stored batches, the clock as it stands when a
 * batch is handed to the jails) and sends the results back; the jail on the main thread counts and bans
 * with them (see filter-thread.ts). Every line runs under the line budget, as in the pipeline.
 */
import type { MessagePort } from "node:worker_threads";
import type { JailConfig } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import { timestampParser } from "../core/timestamp.js";
import type { FilterResult, JailFilter } from "../fail2ban/filter/index.js";
import { defaultFilter, filterSpec } from "../jails/filters.js";
import { type OverBudget, runSteps } from "../pipeline/budget.js";
import { cappedMessage, timeFits } from "../pipeline/pipeline.js";
import { endsBatch, fileLines, firstTimestamp } from "./lines.js";

export interface FilterThreadInput {
  files: string[];
  /** the log group of each file */
  groups: string[];
  /** the log stream of each file */
  streams: string[];
  /** reference time for year-less dates */
  now: number;
  /** the jails whose filters run here, in the order results are sent */
  jails: JailConfig[];
  configDir: string;
  filterDirs: string[];
  budgetMs: number;
  budgetRetries: number;
  /** [0]: messages posted (the main thread waits on it), [1]: lines the main thread has taken */
  signal: SharedArrayBuffer;
  port: MessagePort;
}

/**
 * What one jail's filter found on a stretch of lines: only the lines with a result worth sending, in
 * flat arrays of numbers and strings (decoded on the main thread at a fraction of the cost of objects).
 */
export interface JailResults {
  /** index into FilterThreadInput.jails */
  jail: number;
  /** per line with a result: its ordinal among the lines of the jail's group */
  ordinals: number[];
  /** its length (the main thread checks it still walks the same lines) */
  lengths: number[];
  /** 1: a failregex matched, 2: an ignoreregex matched */
  flags: number[];
  /** how many of the failures below are its */
  failures: number[];
  /** per failure (see Failure); 0 for a host that is the address, a user not given, a failure's lines that are just its line */
  ip: string[];
  host: Array<string | 0>;
  time: number[];
  user: Array<string | 0>;
  /** -1: no prefix */
  prefix: number[];
  lines: Array<string[] | 0>;
}

/** No results yet for a jail. */
export function noResults(jail: number): JailResults {
  return {
    jail,
    ordinals: [],
    lengths: [],
    flags: [],
    failures: [],
    ip: [],
    host: [],
    time: [],
    user: [],
    prefix: [],
    lines: [],
  };
}

/** Adds one line's result. */
function addResult(out: JailResults, ordinal: number, line: string, r: FilterResult): void {
  out.ordinals.push(ordinal);
  out.lengths.push(line.length);
  out.flags.push((r.matched ? 1 : 0) | (r.ignored ? 2 : 0));
  out.failures.push(r.failures.length);
  for (const f of r.failures) {
    out.ip.push(f.ip);
    out.host.push(f.host === f.ip ? 0 : f.host);
    out.time.push(f.time);
    out.user.push(f.user ?? 0);
    out.prefix.push(f.prefix ?? -1);
    out.lines.push(f.lines.length === 1 && f.lines[0] === line ? 0 : f.lines);
  }
}

/** The jails' filters to compile before the replay's input comes (see prepareFilterThread). */
export interface FilterPreparation {
  kind: "prepare";
  jails: JailConfig[];
  configDir: string;
  filterDirs: string[];
}

/**
 * The clock as the jails' filters read it: where the replay's clock stood when the batch being worked
 * was handed to the jails (set by walk). One per thread, as the thread runs one replay.
 */
let filterNow = 0;
const filterClock: Pick<Clock, "now"> = { now: () => filterNow };

/** filters compiled ahead of the input, by what they were compiled from (each taken once) */
const prepared = new Map<string, JailFilter>();

function preparedKey(cfg: JailConfig, configDir: string, filterDirs: readonly string[]): string {
  // what defaultFilter compiles from: not the jail's name, action or counts
  return JSON.stringify([filterSpec(cfg, configDir), cfg.mode, filterDirs]);
}

/**
 * Compiles the filters of the jails the replay will run while the main thread still loads the rest
 * of the replay (a tenth of a second per filter, which the replay waited for before its first batch).
 * A filter that fails to compile is left to walk, which reports it.
 */
export function prepareFilters(p: FilterPreparation): void {
  for (const cfg of p.jails) {
    const key = preparedKey(cfg, p.configDir, p.filterDirs);
    if (prepared.has(key)) continue;
    try {
      prepared.set(key, compile(cfg, p));
    } catch {
      // compiled again (and the error reported) when the replay's input comes
    }
  }
}

function compile(cfg: JailConfig, where: { configDir: string; filterDirs: string[] }): JailFilter {
  return defaultFilter(cfg, { configDir: where.configDir, filterDirs: where.filterDirs, clock: filterClock });
}

/** A jail's filter: the one compiled ahead, else compiled now. */
function filterOf(cfg: JailConfig, input: FilterThreadInput): JailFilter {
  const key = preparedKey(cfg, input.configDir, input.filterDirs);
  const ready = prepared.get(key);
  prepared.delete(key);
  return ready ?? compile(cfg, input);
}

export type FilterThreadMessage =
  | { kind: "lines"; upTo: number; jails: JailResults[]; overBudget: OverBudget[] }
  | { kind: "done"; upTo: number; linesPerJail: number[] }
  | { kind: "error"; message: string; stack?: string };

/**
 * Results are sent once this many lines are worked, at first (the main thread waits for them), then
 * twice as many each time up to MAX_POST_LINES (each sending runs the filters under a new watchdog).
 */
const FIRST_POST_LINES = 256;
const MAX_POST_LINES = 4096;
/** the thread waits when this many lines are worked that the main thread has not taken */
export const MAX_AHEAD_LINES = 200_000;

interface Running {
  index: number;
  cfg: JailConfig;
  filter: JailFilter;
  /** lines of the jail's group seen so far */
  seen: number;
  out: JailResults;
}

export async function runFilterThread(input: FilterThreadInput): Promise<void> {
  const signal = new Int32Array(input.signal);
  const post = (m: FilterThreadMessage) => {
    input.port.postMessage(m);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  try {
    await walk(input, signal, post);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ kind: "error", message: e.message, stack: e.stack });
  }
}

/** A stored batch as the replay loop cuts it, and the clock when it is handed to the jails. */
interface Batch {
  messages: string[];
  times: number[];
  ingests: number[];
  now: number;
  group: string;
  stream: string;
  jails: Running[];
}

async function walk(
  input: FilterThreadInput,
  signal: Int32Array,
  post: (m: FilterThreadMessage) => void,
): Promise<void> {
  const parse = timestampParser(undefined, "local");
  // where the replay's clock starts
  const first = (await firstTimestamp(input.files, parse, input.now)) ?? input.now;
  filterNow = first;
  const jails: Running[] = input.jails.map((cfg, index) => ({
    index,
    cfg,
    filter: filterOf(cfg, input),
    seen: 0,
    out: noResults(index),
  }));
  let lineNo = 0;
  let pending: Batch[] = [];
  let pendingLines = 0;
  let worked = 0;
  let postEvery = FIRST_POST_LINES;
  let now = first;
  /** works the pending batches under one watchdog (a watchdog per batch cost a third of this thread) */
  const work = () => {
    const overBudget = runBatches(pending, input, (t) => (filterNow = t));
    worked += pendingLines;
    postEvery = Math.min(postEvery * 2, MAX_POST_LINES);
    pending = [];
    pendingLines = 0;
    post({ kind: "lines", upTo: worked, jails: jails.map((j) => j.out), overBudget });
    for (const j of jails) j.out = noResults(j.index);
    // run ahead of the main thread, but not without bound (the results wait in memory)
    for (
      let taken = Atomics.load(signal, 1);
      worked - taken > MAX_AHEAD_LINES;
      taken = Atomics.load(signal, 1)
    )
      Atomics.wait(signal, 1, taken, 1000);
  };
  for (const [f, file] of input.files.entries()) {
    const group = input.groups[f];
    const stream = input.streams[f];
    const mine = jails.filter((j) => j.cfg.group === group);
    let batch: Batch | undefined;
    const cut = () => {
      if (!batch) return;
      batch.now = now;
      pending.push(batch);
      pendingLines += batch.messages.length;
      batch = undefined;
      if (pendingLines >= postEvery) work();
    };
    for await (const lines of fileLines(file))
      for (const line of lines) {
        lineNo++;
        const t = parse(line, input.now) ?? now;
        if (batch && endsBatch(batch.messages.length, batch.times[0], t)) cut();
        if (t > now) now = t;
        batch ??= { messages: [], times: [], ingests: [], now, group, stream, jails: mine };
        batch.messages.push(line);
        batch.times.push(t);
        batch.ingests.push(now);
      }
    cut();
  }
  work();
  post({ kind: "done", upTo: lineNo, linesPerJail: jails.map((j) => j.seen) });
}

/**
 * Stored batches through the filters of the jails of their group, each line under the budget, with the
 * clock set as each batch is handed over. Returns the lines stopped by the budget.
 */
function runBatches(batches: Batch[], input: FilterThreadInput, setNow: (t: number) => void): OverBudget[] {
  const overBudget: OverBudget[] = [];
  let b = 0;
  let j = 0;
  let k = 0;
  /** the batch's messages as the pipeline hands them over (cut to 256 KiB) */
  let stored: string[] | undefined;
  const step = (): boolean => {
    for (;;) {
      if (b >= batches.length) return false;
      const batch = batches[b];
      if (stored === undefined) {
        stored = batch.messages.map(cappedMessage);
        setNow(batch.now);
      }
      if (j < batch.jails.length && k < stored.length) break;
      if (j < batch.jails.length && ++j < batch.jails.length) {
        k = 0;
        continue;
      }
      b++;
      j = 0;
      k = 0;
      stored = undefined;
    }
    const batch = batches[b];
    const jail = batch.jails[j];
    const message = stored[k];
    // a time no date can hold is the ingest time, as the pipeline stores it
    const time = timeFits(batch.times[k]) ? batch.times[k] : batch.ingests[k];
    const ordinal = jail.seen;
    const result = jail.filter.process(message, time);
    jail.seen++;
    k++;
    if (result.matched || result.ignored || result.failures.length > 0) {
      addResult(jail.out, ordinal, message, result);
    }
    return true;
  };
  runSteps(
    input.budgetMs,
    step,
    (ms) => {
      // the line is skipped for this jail's filter, as the pipeline skips it
      const batch = batches[b];
      const jail = batch.jails[j];
      overBudget.push({
        part: `jail:${jail.cfg.name}`,
        filter: jail.filter.name,
        group: batch.group,
        stream: batch.stream,
        lineLength: stored?.[k].length ?? 0,
        ms: Math.round(ms),
        budgetMs: input.budgetMs,
      });
      jail.seen++;
      k++;
    },
    input.budgetRetries,
  );
  return overBudget;
}
