/**
 * `mamori regex` on a big file with both cores: a worker thread counts the second half of the file from a
 * fresh state while this thread counts the first half. The worker's counts are right only from a line on
 * which this thread's state (carried over from the first half) equals the worker's (see
 * RegexRun.checkpoint: multi-line failure cache, date detector, last date); so this thread goes on past
 * the cut, comparing states at the worker's checkpoints, and from the first equal one takes the worker's
 * counts. Without an equal state within the worker's checkpoints (or without a state key: --json's rows,
 * maxlines > 1) this thread counts the rest itself: the result is always the one-thread result.
 */
import { existsSync, statSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { eachLineOfFile, LineReader, lineStartNear } from "../../core/file-lines.js";
// types only: this module is loaded, and the worker started, before the filter engine is
import type { RegexCheckpoint, RegexCounts, RegexRun, RegexRunOptions, RegexRunResult } from "./regex-run.js";
import type { TailJob, TailMessage } from "./regex-worker.js";

/** below this size a second thread's start costs more than it saves */
const MIN_BYTES = 1 << 20;
/** the worker's checkpoints: every EVERY lines, the first CHECKPOINTS of them (sessions end within these) */
const EVERY = 128;
const CHECKPOINTS = 48;
/**
 * where the file is cut: the worker's thread start, module loading and filter building come before its
 * first line (this thread loads and builds meanwhile), so it gets the shorter part
 */
const CUT_AT = 0.6;

/** A split run under way: the worker started; finish() counts the first part here and joins. */
export interface TailRun {
  finish(run: RegexRun): Promise<RegexRunResult>;
  /** after finish: the input line from which the worker's counts were taken (undefined: none were) */
  readonly joinedAt: number | undefined;
}

export interface TailOptions {
  /** the smallest file split (tests split small ones) */
  minBytes?: number;
  /** where to cut, as a fraction of the size (default CUT_AT) */
  at?: number;
  /** split even without idle cores (tests) */
  busy?: boolean;
  /** the file's size, when the caller has it */
  size?: number;
}

/**
 * Whether two cores are idle besides V8's own helper threads. Measured on a 2-vCPU host (bench/regex.ts's
 * 86,839 lines): the split run was slower (median 1.42 s against 0.87 s one-threaded, load ~5; 0.81
 * against 0.63 at load ~4) and took ~50% more CPU (the worker's start, module loading, filter building
 * and JIT warm-up, and more GC helper work): one-threaded, V8's helpers already keep the second core
 * busy for ~0.25 s. So the split runs only where a third and fourth core can take the worker.
 */
function idleCores(): boolean {
  const cores = availableParallelism();
  return cores >= 4 && loadavg()[0] <= cores - 2;
}

/** Waits for the worker's messages one by one; undefined once it ended or failed. */
class Inbox {
  private readonly queue: TailMessage[] = [];
  private waiting: ((m: TailMessage | undefined) => void) | undefined;
  private closed = false;

  constructor(worker: Worker) {
    worker.on("message", (m: TailMessage) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(m);
      } else this.queue.push(m);
    });
    const close = () => {
      this.closed = true;
      this.waiting?.(undefined);
      this.waiting = undefined;
    };
    worker.on("error", close);
    worker.on("exit", close);
  }

  next(): Promise<TailMessage | undefined> {
    const m = this.queue.shift();
    if (m !== undefined || this.closed) return Promise.resolve(m);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

/** The worker thread on the worker module next to this one; undefined when it is not there. */
function startWorker(job: TailJob): Worker | undefined {
  const self = import.meta.url;
  if (self.endsWith(".ts")) {
    // run from src/ under tsx (the tests): a worker does not inherit tsx's hooks, it registers them
    const url = new URL("./regex-worker.ts", self).href;
    const api = import.meta.resolve("tsx/esm/api");
    const code = `import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(url)}); })`;
    return new Worker(code, { eval: true, workerData: job });
  }
  const file = fileURLToPath(new URL("./regex-worker.js", self));
  return existsSync(file) ? new Worker(file, { workerData: job }) : undefined;
}

/** Starts the worker on the second half of `file` if the file is big enough, else undefined. */
export function startTail(
  filter: string,
  file: string,
  options: Omit<RegexRunOptions, "now">,
  tuning: TailOptions = {},
): TailRun | undefined {
  const size = tuning.size ?? statSync(file).size;
  if (size < (tuning.minBytes ?? MIN_BYTES) || !(tuning.busy || idleCores())) return undefined;
  const cut = lineStartNear(file, Math.floor(size * (tuning.at ?? CUT_AT)));
  if (cut === undefined || cut >= size) return undefined;
  const worker = startWorker({ filter, options, file, from: cut, every: EVERY, checkpoints: CHECKPOINTS });
  if (worker === undefined) return undefined;
  const inbox = new Inbox(worker);
  const tail = {
    joinedAt: undefined as number | undefined,
    async finish(run: RegexRun) {
      try {
        return await joinAtCheckpoint(run, file, cut, inbox, (line) => (tail.joinedAt = line));
      } finally {
        void worker.terminate();
      }
    },
  };
  return tail;
}

async function joinAtCheckpoint(
  run: RegexRun,
  file: string,
  cut: number,
  inbox: Inbox,
  joined: (line: number) => void,
): Promise<RegexRunResult> {
  eachLineOfFile(file, run.push, { to: cut });
  const cutLines = run.checkpoint().counts.lineNo;
  const reader = new LineReader(file, { from: cut });
  try {
    let pending: string[] = [];
    /** pushes up to n more lines here; false at the end of the file */
    const pushLines = (n: number): boolean => {
      for (let left = n; left > 0; ) {
        if (pending.length === 0) {
          const next = reader.nextLines();
          if (next === undefined) return false;
          pending = next;
        }
        const take = Math.min(left, pending.length);
        for (let i = 0; i < take; i++) run.push(pending[i]);
        pending = pending.slice(take);
        left -= take;
      }
      return true;
    };
    /** the worker's first checkpoint whose state equals this thread's (which stops there) */
    let equal: RegexCheckpoint | undefined;
    for (;;) {
      const m = await inbox.next();
      if (m === undefined) break;
      if (m.kind === "end") {
        // the worker's counts hold from the equal state on if its detector never searched after it
        if (equal && equal.searches === m.searches) {
          joined(cutLines + equal.counts.lineNo + 1);
          return joinRuns(run.result, m.result, equal.counts, cutLines);
        }
        break;
      }
      if (equal) continue;
      const mine = run.checkpoint();
      if (mine.key === undefined) break;
      if (mine.key === m.checkpoint.key) equal = m.checkpoint;
      // not there yet: the next checkpoint is `every` lines on
      else if (!pushLines(EVERY)) return run.result;
    }
    // no equal state the worker's counts can start from: the rest is counted here
    for (;;) {
      if (pending.length) for (const line of pending) run.push(line);
      const next = reader.nextLines();
      if (next === undefined) break;
      pending = next;
    }
    return run.result;
  } finally {
    reader.close();
  }
}

/**
 * The result of a run `head` (the input up to a checkpoint) joined with the rest of another run `tail`
 * that reached a checkpoint with the same key at the same line: `at` is the tail's checkpoint, and its
 * line numbers count from `lineOffset` lines before the head's first line.
 */
export function joinRuns(
  head: RegexRunResult,
  tail: Omit<RegexRunResult, "definition" | "matches">,
  at: RegexCounts,
  lineOffset: number,
): RegexRunResult {
  const plus = (a: number[], b: number[], c: number[]) => a.map((x, i) => x + b[i] - c[i]);
  return {
    ...head,
    lines: head.lines + tail.lines - at.lines,
    matched: head.matched + tail.matched - at.matched,
    ignored: head.ignored + tail.ignored - at.ignored,
    missed: head.missed + tail.missed - at.missed,
    failHits: plus(head.failHits, tail.failHits, at.failHits),
    ignoreHits: plus(head.ignoreHits, tail.ignoreHits, at.ignoreHits),
    prefregexHits: head.prefregexHits + tail.prefregexHits - at.prefregexHits,
    matchedLines: head.matchedLines.concat(
      tail.matchedLines.slice(at.matchedCount).map((n) => n + lineOffset),
    ),
    ignoredLines: head.ignoredLines.concat(
      tail.ignoredLines.slice(at.ignoredCount).map((n) => n + lineOffset),
    ),
  };
}
