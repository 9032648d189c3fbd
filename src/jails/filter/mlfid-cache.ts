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
    if (this.runs.size === 0) return false;
    // the regex engine finds the runs faster than a charCodeAt loop; each match is a maximal run
    const re = DIGIT_RUNS;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) if (this.runs.has(m[0])) return true;
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
    const n = (this.runs.get(run) ?? 0) + d;
    if (n > 0) this.runs.set(run, n);
    else this.runs.delete(run);
  }
}
