/** fail2ban's Utils.Cache for multi-line failure ids: FIFO-bounded, entries expire after maxTime. */
import type { Fail } from "./regex.js";

/** Maximal runs of 3 or more ASCII digits (a match starts at a run's first digit and takes all of it). */
const DIGIT_RUNS = /[0-9]{3,}/g;

/** The longest run of 3+ digits inside `key` (not touching its ends), or "" when it has none. */
export function innerDigitRun(key: string): string {
  let bestStart = 0;
  let bestLen = 0;
  for (let i = 1; i < key.length; i++) {
    if (!isDigit(key.charCodeAt(i))) continue;
    let j = i + 1;
    while (j < key.length && isDigit(key.charCodeAt(j))) j++;
    // a run at either end of the key may go on in the line around it: not an exact run there
    if (j - i >= 3 && j - i > bestLen && !isDigit(key.charCodeAt(i - 1)) && j < key.length) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  return key.slice(bestStart, bestStart + bestLen);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * A cached failure, with where its key's digit run is counted (resolved once, when the key is added).
 * Entries form a list in insertion order: the oldest is dropped first without walking the map, whose
 * iteration would step over every slot its deletions left.
 */
interface Entry {
  key: string;
  v: Fail;
  until: number;
  /** the run's count map and key in it; undefined for a key without a run */
  index: Map<number | string, number> | undefined;
  runKey: number | string;
  older: Entry | undefined;
  newer: Entry | undefined;
}

/** JSON.stringify's replacer for failure dicts: a Set (users) as its members, marked. */
function setsAsArrays(_k: string, v: unknown): unknown {
  return v instanceof Set ? { set: [...v] } : v;
}

/** What a removed entry holds instead of its failure. */
const REMOVED: Fail = Object.freeze({}) as Fail;

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
  private oldest: Entry | undefined;
  private newest: Entry | undefined;

  constructor(
    private readonly maxCount: number,
    private readonly maxTimeMs: number,
  ) {}

  get(k: string, now: number): Fail | undefined {
    const e = this.cache.get(k);
    if (!e) return undefined;
    if (e.until > now) return e.v;
    this.remove(e);
    return undefined;
  }

  set(k: string, v: Fail, now: number): void {
    const cache = this.cache;
    if (cache.size >= this.maxCount) {
      // fail2ban pops from the front until it popped an unexpired entry and there is room
      for (let e = this.oldest; e !== undefined; e = this.oldest) {
        this.remove(e);
        if (e.until > now && cache.size < this.maxCount) break;
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
    const index = run ? (run.length <= 9 ? this.shortRuns[run.length] : this.runs) : undefined;
    const runKey = run.length <= 9 ? Number(run) : run;
    const e: Entry = { key: k, v, until, index, runKey, older: this.newest, newer: undefined };
    if (this.newest) this.newest.newer = e;
    else this.oldest = e;
    this.newest = e;
    cache.set(k, e);
    if (e.index) {
      this.indexed++;
      e.index.set(e.runKey, (e.index.get(e.runKey) ?? 0) + 1);
    } else this.unindexed++;
  }

  /**
   * The cached failures, oldest first, as text: two caches with the same text act alike on any lines
   * (expiry times are left out: an entry lives 5 minutes, longer than any one `mamori regex` run).
   */
  stateKey(): string {
    const out: string[] = [];
    for (let e = this.oldest; e !== undefined; e = e.newer)
      out.push(e.key, JSON.stringify(e.v, setsAsArrays));
    return JSON.stringify(out);
  }

  unset(k: string): void {
    const e = this.cache.get(k);
    if (e) this.remove(e);
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

  /** Takes an entry out of the map, the order and the index. */
  private remove(e: Entry): void {
    this.cache.delete(e.key);
    if (e.older) e.older.newer = e.newer;
    else this.oldest = e.newer;
    if (e.newer) e.newer.older = e.older;
    else this.newest = e.older;
    // a removed entry often lives on in the old generation until the next full collection: its links
    // would keep younger entries (and their failures and lines) alive through every scavenge until then
    e.older = undefined;
    e.newer = undefined;
    e.v = REMOVED;
    this.untrack(e);
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
