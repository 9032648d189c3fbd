/**
 * Batches events from network input (syslog) into few, large emits: one batch is in flight at a time and
 * everything that arrives meanwhile goes into the next one, so batches grow with the load without a timer.
 * Bounded: past maxPending events `add` refuses (the caller drops and counts, or pauses its sockets).
 */
import type { LogEvent } from "../../core/event.js";
import type { SourceBatch } from "../types.js";

export interface BatcherOptions {
  emit(batch: SourceBatch): Promise<void>;
  /** events held while a batch is in flight; past this `add` returns false */
  maxPending?: number;
  /** events per emitted batch at most */
  maxBatch?: number;
  /** a batch could not be stored (network input cannot be re-read: it is lost) */
  onError(err: unknown, lostEvents: number): void;
}

export class EventBatcher {
  private pending: LogEvent[] = [];
  private busy = false;
  private readonly maxPending: number;
  private readonly maxBatch: number;
  private drainListeners: Array<() => void> = [];
  private idleListeners: Array<() => void> = [];

  constructor(private readonly opts: BatcherOptions) {
    this.maxPending = opts.maxPending ?? 50_000;
    this.maxBatch = opts.maxBatch ?? 5_000;
  }

  get full(): boolean {
    return this.pending.length >= this.maxPending;
  }

  /**
   * Queues one event; false when the pending buffer is full (the event was not taken). `overflow` takes it
   * anyway: for a reader that pauses its input right after (a TCP chunk's messages), so it stays bounded.
   */
  add(event: LogEvent, overflow = false): boolean {
    if (this.full && !overflow) return false;
    this.pending.push(event);
    if (!this.busy) {
      this.busy = true;
      // after the current I/O callback: everything it produced goes into one batch
      queueMicrotask(() => void this.flushLoop());
    }
    return true;
  }

  /** Calls fn once the pending buffer has room again (after `full` was true). */
  onceDrained(fn: () => void): void {
    this.drainListeners.push(fn);
  }

  /** Resolves when everything added so far has been emitted (or failed). */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((r) => this.idleListeners.push(r));
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const events =
        this.pending.length <= this.maxBatch ? this.pending : this.pending.slice(0, this.maxBatch);
      this.pending = events === this.pending ? [] : this.pending.slice(this.maxBatch);
      try {
        await this.opts.emit({ events, checkpoints: [] });
      } catch (err) {
        this.opts.onError(err, events.length);
      }
      if (this.pending.length < this.maxPending / 2 && this.drainListeners.length > 0) {
        for (const fn of this.drainListeners.splice(0)) fn();
      }
    }
    this.busy = false;
    for (const fn of this.drainListeners.splice(0)) fn();
    for (const fn of this.idleListeners.splice(0)) fn();
  }
}
