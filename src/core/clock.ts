/**
 * The one place that reads the wall clock or arms raw timers. Everything else takes a Clock,
 * so detection runs on event time and tests (and `mamori replay`) step a ManualClock instead of sleeping.
 */

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** ms since epoch */
  now(): number;
  /** Runs fn once after ms. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Runs fn every ms until cancelled. */
  setInterval(fn: () => void, ms: number): TimerHandle;
  /** Resolves after ms, or rejects with the abort reason when signal aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    const t = setInterval(fn, Math.max(1, ms));
    t.unref?.();
    return { cancel: () => clearInterval(t) };
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }
}

interface PendingTimer {
  id: number;
  at: number;
  every: number; // 0 for one-shot
  fn: () => void;
}

/** A clock that only moves when told to: `advance(ms)` fires due timers in time order. */
export class ManualClock implements Clock {
  private current: number;
  private timers: PendingTimer[] = [];
  private nextId = 1;
  private firedCount = 0;

  constructor(start = 0) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(0, ms), 0);
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(1, ms), Math.max(1, ms));
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }
  /** Moves time forward by ms, firing every timer that falls due, in order. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }
  /** Moves time to t (never backwards), firing due timers in order. */
  set(t: number): void {
    if (t < this.current) return;
    for (;;) {
      // one scan for the earliest due timer (replay moves time once per second of log: no sort, no copies)
      let due: PendingTimer | undefined;
      for (const x of this.timers)
        if (x.at <= t && (due === undefined || x.at < due.at || (x.at === due.at && x.id < due.id))) due = x;
      if (!due) break;
      this.current = Math.max(this.current, due.at);
      if (due.every > 0) due.at += due.every;
      else this.timers = this.timers.filter((x) => x !== due);
      this.firedCount++;
      due.fn();
    }
    this.current = t;
  }
  /** How many timers have fired so far (replay lets the event loop run only after time moved one). */
  get fired(): number {
    return this.firedCount;
  }
  /** How many timers are armed (for tests). */
  pending(): number {
    return this.timers.length;
  }
  private add(fn: () => void, ms: number, every: number): TimerHandle {
    const timer: PendingTimer = { id: this.nextId++, at: this.current + ms, every, fn };
    this.timers.push(timer);
    return {
      cancel: () => {
        this.timers = this.timers.filter((x) => x !== timer);
      },
    };
  }
}

function sleepWith(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error("aborted"));
      return;
    }
    const onAbort = () => {
      handle.cancel();
      reject(signal?.reason ?? new Error("aborted"));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Wall-clock Date for formatting "now" where a Clock is not at hand is not allowed: use new Date(clock.now()). */
export const systemClock: Clock = new SystemClock();

/**
 * Keeps the process alive until released: SystemClock timers are unref'd, so a daemon whose parts only
 * poll on the clock would otherwise exit at once.
 */
export function holdProcessOpen(): { release(): void } {
  const t = setInterval(() => {}, 2 ** 30);
  return { release: () => clearInterval(t) };
}
