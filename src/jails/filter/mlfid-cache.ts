/** fail2ban's Utils.Cache for multi-line failure ids: FIFO-bounded, entries expire after maxTime. */
import type { Fail } from "./regex.js";

/** The longest run of 3+ digits inside `key` (not touching its ends), or "" when it has none. */
export function innerDigitRun(key: string): string {
  let best = "";
  let start = -1;
  for (let i = 0; i <= key.length; i++) {
    const c = i < key.length ? key.charCodeAt(i) : 0;
    const digit = c >= 48 && c <= 57;
    if (digit && start < 0) start = i;
    else if (!digit && start >= 0) {
      if (start > 0 && i < key.length && i - start >= 3 && i - start > best.length)
        best = key.slice(start, i);
      start = -1;
    }
  }
  return best;
}

/** Maximal runs of 3 or more ASCII digits (a match starts at a run's first digit and takes all of it). */
const DIGIT_RUNS = /[0-9]{3,}/g;

export class MlfidCache {
  private readonly cache = new Map<string, { v: Fail; until: number; run: string }>();
  /**
   * The inner digit run of every cached key (sshd's keys hold the pid), counted; keys without one are
   * counted apart. A line that holds a cached key holds its run as a whole run of digits, so a line
   * without any indexed run cannot hold a key (see mayHoldKey).
   */
  private readonly runs = new Map<string, number>();
  /** the same for runs of up to 9 digits, by length then value: looked up without cutting a string */
  private readonly shortRuns: Map<number, number>[] = Array.from({ length: 10 }, () => new Map());
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
    this.delete(k);
    return undefined;
  }

  set(k: string, v: Fail, now: number): void {
    if (this.cache.size >= this.maxCount) {
      for (const [ck, cv] of this.cache) {
        this.delete(ck);
        if (cv.until > now && this.cache.size < this.maxCount) break;
      }
    }
    const old = this.cache.get(k);
    const run = old ? old.run : innerDigitRun(k);
    if (!old) this.track(run, 1);
    this.cache.set(k, { v, until: now + this.maxTimeMs, run });
  }

  unset(k: string): void {
    this.delete(k);
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

  private delete(k: string): void {
    const e = this.cache.get(k);
    if (e && this.cache.delete(k)) this.track(e.run, -1);
  }

  /** Counts a key's inner digit run ("" for a key without one) in or out of the index. */
  private track(run: string, d: number): void {
    if (!run) {
      this.unindexed += d;
      return;
    }
    this.indexed += d;
    const map: Map<string | number, number> =
      run.length <= 9 ? this.shortRuns[run.length] : (this.runs as Map<string | number, number>);
    const key = run.length <= 9 ? Number(run) : run;
    const n = (map.get(key) ?? 0) + d;
    if (n > 0) map.set(key, n);
    else map.delete(key);
  }
}
