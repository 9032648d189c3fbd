/** fail2ban's Utils.Cache for multi-line failure ids: FIFO-bounded, entries expire after maxTime. */
import type { Fail } from "./regex.js";

/** Maximal runs of 3 or more ASCII digits (a match starts at a run's first digit and takes all of it). */
const DIGIT_RUNS = /[0-9]{3,}/g;

/** The longest run of 3+ digits inside `key` (not touching its ends), or "" when it has none. */
export function innerDigitRun(key: string): string {
  let best = "";
  const re = DIGIT_RUNS;
  re.lastIndex = 0;
  for (let m = re.exec(key); m !== null; m = re.exec(key)) {
    const run = m[0];
    if (m.index > 0 && re.lastIndex < key.length && run.length > best.length) best = run;
  }
  return best;
}

/** A cached failure, with where its key's digit run is counted (resolved once, when the key is added). */
interface Entry {
  v: Fail;
  until: number;
  /** the run's count map and key in it; undefined for a key without a run */
  index: Map<number | string, number> | undefined;
  runKey: number | string;
}

export class MlfidCache {
  private readonly cache = new Map<string, Entry>();
  /**
   * The inner digit run of every cached key (sshd's keys hold the pid), counted; keys without one are
   * counted apart. A line that holds a cached key holds its run as a whole run of digits, so a line
   * without any indexed run cannot hold a key (see mayHoldKey).
   */
  private readonly runs = new Map<number | string, number>();
  /** the same for runs of up to 9 digits, by length then value: looked up without cutting a string */
  private readonly shortRuns: Map<number | string, number>[] = Array.from({ length: 10 }, () => new Map());
  private indexed = 0;
  private unindexed = 0;

  constructor(
    private readonly maxCount: number,
    private readonly maxTimeMs: number,
  ) {}

  get(k: string, now: number): Fail | undefined {
    const e = this.cache.get(k);
    if (!e) return undefined;
    if (e.until > now) return e.v;
    this.cache.delete(k);
    this.untrack(e);
    return undefined;
  }

  set(k: string, v: Fail, now: number): void {
    const cache = this.cache;
    if (cache.size >= this.maxCount) {
      for (const [ck, cv] of cache) {
        cache.delete(ck);
        this.untrack(cv);
        if (cv.until > now && cache.size < this.maxCount) break;
      }
    }
    const until = now + this.maxTimeMs;
    const old = cache.get(k);
    if (old) {
      // as a dict assignment: the key keeps its place in the order
      old.v = v;
      old.until = until;
      return;
    }
    const run = innerDigitRun(k);
    const e: Entry = run
      ? run.length <= 9
        ? { v, until, index: this.shortRuns[run.length], runKey: Number(run) }
        : { v, until, index: this.runs, runKey: run }
      : { v, until, index: undefined, runKey: "" };
    cache.set(k, e);
    if (e.index) {
      this.indexed++;
      e.index.set(e.runKey, (e.index.get(e.runKey) ?? 0) + 1);
    } else this.unindexed++;
  }

  unset(k: string): void {
    const e = this.cache.get(k);
    if (!e) return;
    this.cache.delete(k);
    this.untrack(e);
  }

  /**
   * False only when `text` contains no cached key (expired ones included): none of its maximal runs of
   * 3+ digits is the inner run of a key, and every key has one. True means "maybe".
   */
  mayHoldKey(text: string): boolean {
    if (this.unindexed > 0) return true;
    if (this.indexed === 0) return false;
    // the regex engine finds the runs faster than a charCodeAt loop; `test` allocates no match, and the
    // run is read back from where it ends
    const re = DIGIT_RUNS;
    re.lastIndex = 0;
    while (re.test(text)) {
      const end = re.lastIndex;
      let start = end - 1;
      let value = 0;
      for (let unit = 1; start >= 0; start--, unit *= 10) {
        const c = text.charCodeAt(start);
        if (c < 48 || c > 57) break;
        value += (c - 48) * unit;
      }
      const len = end - start - 1;
      if (len <= 9 ? this.shortRuns[len].has(value) : this.runs.has(text.slice(start + 1, end))) return true;
    }
    return false;
  }

  /** Takes a removed entry's run out of the index. */
  private untrack(e: Entry): void {
    if (!e.index) {
      this.unindexed--;
      return;
    }
    this.indexed--;
    const n = (e.index.get(e.runKey) ?? 0) - 1;
    if (n > 0) e.index.set(e.runKey, n);
    else e.index.delete(e.runKey);
  }
}
