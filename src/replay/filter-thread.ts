/**
 * The main thread's side of replay's filter thread (filter-worker.ts): starts it, takes its results as
 * the replay loop needs them, and hands each jail a filter that looks its results up instead of running
 * the patterns. The jail, its counters, bans and ban events stay on the main thread, on the live path.
 *
 * The results of a jail's filter come in the order of the lines of the jail's group; the filter here
 * counts the lines it is given, which the pipeline hands over one by one, none skipped (a filter that
 * runs no pattern needs no watchdog). Each result carries its line's length, checked on the way.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { JailConfig, MamoriConfig } from "../config/schema.js";
import type { Failure, FilterResult, JailFilter } from "../fail2ban/filter/index.js";
import { readFilterDefinition } from "../fail2ban/filter-reader.js";
import { filterSpec } from "../jails/filters.js";
import { logOverBudget } from "../pipeline/budget.js";
import type {
  FilterPreparation,
  FilterThreadInput,
  FilterThreadMessage,
  JailResults,
} from "./filter-worker.js";
import { groupForFile, replayFilterPaths } from "./setup.js";

/** Atomics.waitAsync (Node 16+; not in this TypeScript lib yet) */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: unknown };
  }
).waitAsync;

/** how long the main thread blocks waiting for the filter thread's results before it waits without blocking */
const BLOCK_MS = 10_000;

const NOTHING: FilterResult = Object.freeze({
  failures: Object.freeze([]) as [],
  matched: false,
  ignored: false,
});

/** A jail's filter whose results the filter thread worked out. */
export class PrecomputedFilter implements JailFilter {
  readonly precomputed = true;
  readonly name: string;
  readonly journalmatch: string[];
  readonly maxlines: number;
  /** lines given so far */
  private seen = 0;
  /** the results sent, a message's at a time, and where the first is read */
  private readonly chunks: JailResults[] = [];
  private r = 0;
  private f = 0;
  /** what went wrong, reported when the replay ends (a result for another line than this one) */
  mismatch?: string;

  constructor(
    readonly jail: string,
    def: { name: string; journalmatch: string[]; maxlines: number },
  ) {
    this.name = def.name;
    this.journalmatch = def.journalmatch;
    this.maxlines = def.maxlines;
  }

  add(r: JailResults): void {
    if (r.ordinals.length > 0) this.chunks.push(r);
  }

  process(line: string): FilterResult {
    const n = this.seen++;
    const c = this.chunks[0];
    if (c === undefined || c.ordinals[this.r] !== n) return NOTHING;
    const i = this.r++;
    if (c.lengths[i] !== line.length)
      this.mismatch ??= `line ${n + 1} of the jail's lines: the filter thread saw ${c.lengths[i]} characters, the jail ${line.length}`;
    const failures: Failure[] = [];
    for (let k = c.failures[i]; k > 0; k--) {
      const j = this.f++;
      const host = c.host[j];
      const lines = c.lines[j];
      const user = c.user[j];
      const failure: Failure = {
        ip: c.ip[j],
        host: host === 0 ? c.ip[j] : host,
        time: c.time[j],
        lines: lines === 0 ? [line] : lines,
      };
      if (user !== 0) failure.user = user;
      if (c.prefix[j] >= 0) failure.prefix = c.prefix[j];
      failures.push(failure);
    }
    if (this.r === c.ordinals.length) {
      this.chunks.shift();
      this.r = 0;
      this.f = 0;
    }
    const flags = c.flags[i];
    return { failures, matched: (flags & 1) !== 0, ignored: (flags & 2) !== 0 };
  }

  /** Lines given, and results not taken. */
  get progress(): { seen: number; left: number } {
    return { seen: this.seen, left: this.chunks.reduce((n, c) => n + c.ordinals.length, 0) - this.r };
  }
}

/** The thread loads its modules at once, then waits for its work (see warmFilterThread). */
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  const m = await import(workerData.entry);
  const onMessage = (msg) => {
    if (msg.kind === "prepare") return m.prepareFilters(msg);
    parentPort.off("message", onMessage);
    m.runFilterThread(msg);
  };
  parentPort.on("message", onMessage);
})();
`;

/** A filter thread started early, loading its modules while the config loads (see warmFilterThread). */
let warm: Worker | undefined;

function startWorker(): Worker {
  // the worker loads the module as this module was loaded: built JavaScript, or TypeScript under tsx
  // (tests), whose loader a worker started by the test runner does not inherit
  const ts = import.meta.url.endsWith(".ts");
  const entry = new URL(`./filter-worker${ts ? ".ts" : ".js"}`, import.meta.url).href;
  const tsx = ts ? import.meta.resolve("tsx/esm/api") : undefined;
  return new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { entry, tsx },
    // in a young generation too small, the lines of the batches being worked outlive its collections
    // (garbage for the old generation's collector); a large one (64 MB) is memory touched afresh again
    // and again: its page faults made the thread's CPU time an eighth larger than with 24 MB
    resourceLimits: { maxYoungGenerationSizeMb: 24 },
  });
}

/**
 * Starts the filter thread ahead of its work: `mamori replay` calls it before it loads the config, so
 * the thread's start (a new isolate, the filter modules: a fifth of a second) overlaps the config's.
 * Unused, it keeps nothing alive and ends with the process.
 */
export function warmFilterThread(): void {
  if (warm) return;
  warm = startWorker();
  warm.unref();
  // an error before it is used: the next replay starts a new one
  warm.on("error", () => {
    warm = undefined;
  });
}

/**
 * Has the filter thread started by warmFilterThread compile the filters of the jails a replay of
 * `files` will run, while the caller loads the rest of the replay (the thread takes them when the
 * replay's input comes; a replay that needs others compiles those then). Nothing when no thread is
 * warm or the files' groups cannot be told (the replay reports that).
 */
export function prepareFilterThread(config: MamoriConfig, files: readonly string[], group?: string): void {
  if (!warm) return;
  let groups: string[];
  try {
    groups = files.map((f) => groupForFile(f, config, group));
  } catch {
    return;
  }
  const jails = precomputable(config.jails, groups);
  if (jails.length === 0) return;
  const message: FilterPreparation = { kind: "prepare", jails, ...replayFilterPaths(config) };
  warm.postMessage(message);
}

/** What the thread is handed (its channel is made here), and where its reports are logged. */
export interface FilterThreadOptions extends Omit<FilterThreadInput, "signal" | "port"> {
  log: Logger;
}

/** Jails whose filter can run in the thread: fed only by the replayed files (not by mamori's own groups). */
export function precomputable(jails: readonly JailConfig[], groups: readonly string[]): JailConfig[] {
  return jails.filter((j) => j.enabled && groups.includes(j.group) && !j.group.startsWith("mamori/"));
}

export class FilterThread {
  private readonly worker: Worker;
  private readonly port: MessageChannel["port1"];
  private readonly signal: Int32Array;
  private readonly filters: PrecomputedFilter[];
  private readonly byJail = new Map<string, PrecomputedFilter>();
  private upTo = 0;
  private done?: { upTo: number; linesPerJail: number[] };
  private failure?: Error;
  private overBudget = 0;

  /** Lines a jail's filter gave up on so far (over the line budget after its retries), each logged. */
  get overBudgetLines(): number {
    return this.overBudget;
  }

  constructor(private readonly o: FilterThreadOptions) {
    this.filters = o.jails.map((cfg) => {
      const def = readFilterDefinition({
        filter: filterSpec(cfg, o.configDir),
        mode: cfg.mode,
        filterDirs: o.filterDirs,
      });
      const f = new PrecomputedFilter(cfg.name, def);
      this.byJail.set(cfg.name, f);
      return f;
    });
    const shared = new SharedArrayBuffer(8);
    this.signal = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const input: FilterThreadInput = {
      files: o.files,
      groups: o.groups,
      streams: o.streams,
      now: o.now,
      jails: o.jails,
      configDir: o.configDir,
      filterDirs: o.filterDirs,
      budgetMs: o.budgetMs,
      budgetRetries: o.budgetRetries,
      signal: shared,
      port: port2,
    };
    this.worker = warm ?? startWorker();
    warm = undefined;
    this.worker.ref();
    this.worker.postMessage(input, [port2]);
    const wake = () => {
      Atomics.add(this.signal, 0, 1);
      Atomics.notify(this.signal, 0);
    };
    this.worker.on("error", (err) => {
      this.failure ??= err;
      wake();
    });
    this.worker.on("exit", (code) => {
      this.take();
      if (!this.done) this.failure ??= new Error(`replay's filter thread stopped (exit code ${code})`);
      wake();
    });
  }

  /** The filter of a jail whose filter runs in the thread. */
  filterFor(jail: string): JailFilter | undefined {
    return this.byJail.get(jail);
  }

  /** Whether the thread has worked the first `lines` lines (takes what it sent, without waiting). */
  has(lines: number): boolean {
    this.take(lines);
    if (this.failure) throw this.failure;
    if (this.upTo < lines) return false;
    Atomics.store(this.signal, 1, lines);
    Atomics.notify(this.signal, 1);
    return true;
  }

  /**
   * Whether the thread has worked the first `lines` lines, waiting for them: blocking the main thread,
   * so no other work of the replay runs in the meantime (as when the filters ran on the main thread);
   * false after BLOCK_MS without word from the thread (then `ready` waits without blocking, where the
   * thread's exit is seen).
   */
  readySync(lines: number): boolean {
    let heard = this.upTo;
    let blockUntil = performance.now() + BLOCK_MS;
    for (;;) {
      const posted = Atomics.load(this.signal, 0);
      if (this.has(lines)) return true;
      if (this.done) throw new Error(`replay's filter thread read ${this.done.upTo} lines, the replay more`);
      if (this.upTo !== heard) {
        heard = this.upTo;
        blockUntil = performance.now() + BLOCK_MS;
      }
      if (performance.now() >= blockUntil) return false;
      Atomics.wait(this.signal, 0, posted, 100);
    }
  }

  /** Waits until the thread has worked the first `lines` lines, without blocking. */
  async ready(lines: number): Promise<void> {
    for (;;) {
      const posted = Atomics.load(this.signal, 0);
      if (this.has(lines)) return;
      if (this.done) throw new Error(`replay's filter thread read ${this.done.upTo} lines, the replay more`);
      const w = waitAsync(this.signal, 0, posted, 1000);
      if (w.async) await w.value;
    }
  }

  /** Checks the jails were given exactly the lines the thread worked, and stops the thread. */
  async finish(): Promise<void> {
    while (!this.done && !this.failure) {
      const posted = Atomics.load(this.signal, 0);
      this.take();
      if (this.done || this.failure) break;
      const w = waitAsync(this.signal, 0, posted, 1000);
      if (w.async) await w.value;
    }
    await this.stop();
    if (this.failure) throw this.failure;
    this.filters.forEach((f, i) => {
      const { seen, left } = f.progress;
      const want = this.done?.linesPerJail[i];
      const why =
        f.mismatch ??
        (seen !== want || left > 0 ? `${seen} lines given, ${want} worked, ${left} results left` : undefined);
      if (why)
        throw new Error(
          `replay's filter thread and jail ${f.jail} went out of step (${why}); this is a bug, please report it`,
        );
    });
  }

  async stop(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }

  /**
   * Takes what the thread sent, up to the first message covering `lines` lines (results taken early
   * would outlive young-generation collections: garbage for the old generation's collector).
   */
  private take(lines = Number.POSITIVE_INFINITY): void {
    while (this.upTo < lines && !this.done && !this.failure) {
      const m = receiveMessageOnPort(this.port);
      if (!m) return;
      const msg = m.message as FilterThreadMessage;
      if (msg.kind === "error") {
        const err = new Error(`replay's filter thread failed: ${msg.message}`);
        err.stack = msg.stack;
        this.failure ??= err;
        continue;
      }
      if (msg.kind === "done") {
        this.done = msg;
        continue;
      }
      for (const r of msg.jails) this.filters[r.jail].add(r);
      for (const r of msg.overBudget) {
        this.overBudget++;
        logOverBudget(this.o.log, r);
      }
      this.upTo = msg.upTo;
    }
  }
}
