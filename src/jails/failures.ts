/**
 * fail2ban's FailManager: failures per target (an address, or an IPv6 prefix) counted on event time.
 * A failure older than findtime relative to the newest failure of the same target does not count.
 * Memory is bounded: per target at most maxretry times and 10 log lines; at most `maxTargets` targets
 * (the least recently failing one is forgotten first); targets idle for findtime are pruned.
 */

export interface FailureRecord {
  /** failure times in ms, ascending, only the newest maxretry */
  times: number[];
  /** the newest failure time seen */
  newest: number;
  /** log lines of the counted failures, newest last (at most MAX_LINES) */
  lines: string[];
}

export const MAX_LINES = 10;
/** a log line kept for a notification is cut here */
export const MAX_LINE_CHARS = 4096;

export interface FailureCounterOptions {
  maxretry: number;
  findtimeMs: number;
  maxTargets?: number;
}

export class FailureCounter {
  private readonly byTarget = new Map<string, FailureRecord>();
  private readonly maxTargets: number;
  /** failures counted since start (plus any carried over from the store) */
  totalFailed = 0;

  constructor(private readonly o: FailureCounterOptions) {
    this.maxTargets = o.maxTargets ?? 100_000;
  }

  /** Counts one failure; returns how many failures of this target fall within findtime of its newest. */
  add(target: string, time: number, lines: readonly string[]): number {
    this.totalFailed++;
    let rec = this.byTarget.get(target);
    if (rec)
      this.byTarget.delete(target); // re-insert: Map order = least recently failing first
    else rec = { times: [], newest: time, lines: [] };
    insertSorted(rec.times, time);
    if (time > rec.newest) rec.newest = time;
    const from = rec.newest - this.o.findtimeMs;
    while (rec.times.length > 0 && rec.times[0] < from) rec.times.shift();
    while (rec.times.length > this.o.maxretry) rec.times.shift();
    for (const l of lines) rec.lines.push(detachedLine(l));
    // shift, not splice: splice allocates an array of what it removes (one line, mostly)
    while (rec.lines.length > MAX_LINES) rec.lines.shift();
    this.byTarget.set(target, rec);
    if (this.byTarget.size > this.maxTargets) {
      const oldest = this.byTarget.keys().next().value;
      if (oldest !== undefined) this.byTarget.delete(oldest);
    }
    return rec.times.length;
  }

  get(target: string): FailureRecord | undefined {
    return this.byTarget.get(target);
  }

  /** Forgets a target (after it was banned). */
  reset(target: string): void {
    this.byTarget.delete(target);
  }

  /** Drops targets whose newest failure is older than findtime before `now`. */
  prune(now: number): void {
    const before = now - this.o.findtimeMs;
    for (const [target, rec] of this.byTarget) if (rec.newest < before) this.byTarget.delete(target);
  }

  /**
   * Takes over another counter's targets (a jail whose config changed on reload): failures counted
   * before the reload still count. Times and lines are trimmed to this counter's limits at the next
   * failure of each target. The total is not taken: it is carried through the saved jail stats.
   */
  adopt(other: FailureCounter): void {
    for (const [target, rec] of other.byTarget)
      this.byTarget.set(target, { times: [...rec.times], newest: rec.newest, lines: [...rec.lines] });
  }

  /** Targets with failures being counted ("Currently failed"). */
  get size(): number {
    return this.byTarget.size;
  }
}

/**
 * The line cut to MAX_LINE_CHARS, as a string of its own. A slice (and a line split out of a read chunk)
 * keeps its whole parent string alive in V8, so 4 KiB kept of a 100 KiB line would hold 100 KiB. Prepending
 * a character makes a cons string; slicing that flattens it into a fresh copy, so only the copy is kept
 * (failures.test.ts measures this), and the text stays exactly as it was (a UTF-8 round trip would not).
 */
export function detachedLine(line: string): string {
  const cut = line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line;
  return ` ${cut}`.slice(1);
}

function insertSorted(a: number[], t: number): void {
  let i = a.length;
  while (i > 0 && a[i - 1] > t) i--;
  // failures mostly come in time order: a push, without splice's array of removed elements
  if (i === a.length) a.push(t);
  else a.splice(i, 0, t);
}
