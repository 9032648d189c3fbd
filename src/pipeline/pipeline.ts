/**
 * The one path every event takes, live or replayed: sources → bounded queue → one writer that commits
 * events, checkpoints and metric points in one transaction → consumers (jails, alarm triggers) in commit
 * order. A full queue makes `emit` wait (backpressure) instead of growing memory.
 */
import type { Logger } from "pino";
import { type LogEvent, MAX_EVENT_TIME_MS, MAX_MESSAGE_BYTES, type StoredEvent } from "../core/event.js";
import type { Checkpoint, LogStore, MetricPoint } from "../store/store.js";
import { DEFAULT_LINE_BUDGET_MS, type LineBudget, logOverBudget, runSteps } from "./budget.js";
import { UNSTORED_ID, UnstoredEvents } from "./unstored.js";

/** What a source hands over: events, and where the source is once they are stored (one transaction). */
export interface SourceBatch {
  events: LogEvent[];
  /** where the source is once these events are stored; saved in the same transaction */
  checkpoints: Checkpoint[];
}

/**
 * Turns events into metric points inside the ingest transaction (metric filters). Must be pure and fast;
 * with a budget, it runs each line under it (a stuck line is skipped for the stuck filter and reported).
 */
export type MetricExtractor = (events: readonly LogEvent[], budget?: LineBudget) => MetricPoint[];

/**
 * Sees every event, in commit order: once it is committed, or — when the store cannot commit — once
 * the store has refused it (id `UNSTORED_ID`), so detection goes on. Must not throw; slow work belongs in
 * its own queue. The pipeline hands events over one at a time, under the line budget (unless `unguarded`).
 */
export interface EventConsumer {
  name: string;
  /** the filter this consumer runs, named when a line exceeds its budget */
  readonly filterName?: string;
  /** whether events of this group concern it (others are not handed over; no watchdog runs for them) */
  wants?(group: string): boolean;
  /**
   * Runs no pattern (its filter's work was done elsewhere, as replay's filter thread does; its patterns
   * run in linear time): handed a batch's events in one call with no watchdog, so none is stopped
   * half-way or skipped.
   */
  readonly unguarded?: boolean;
  onEvents(events: readonly StoredEvent[]): void;
}

export { UNSTORED_ID };

export interface PipelineOptions {
  logs: Pick<LogStore, "ingest">;
  log: Logger;
  /** queue capacity in events; emit waits while the queue holds more */
  maxQueuedEvents?: number;
  /** how many events one transaction takes at most */
  maxBatchEvents?: number;
  /** how long one line may take in one jail or metric filter, ms (default DEFAULT_LINE_BUDGET_MS) */
  lineBudgetMs?: number;
  /** see LineBudget.retries (replay: a busy machine must not skip lines) */
  lineBudgetRetries?: number;
}

export interface PipelineStats {
  queuedEvents: number;
  committedEvents: number;
  committedBatches: number;
  truncatedMessages: number;
  /** events whose time was out of range (not 1970..9999): stored with their ingest time instead */
  clampedTimestamps: number;
  consumerErrors: number;
  ingestErrors: number;
  /** events the store refused (the jails and alarm triggers saw them) */
  lostEvents: number;
  /** lines a jail or metric filter was stopped on after its line budget */
  overBudgetLines: number;
}

interface Pending {
  batch: SourceBatch;
  done: { resolve: () => void; reject: (e: unknown) => void };
}

export class Pipeline {
  private readonly queue: Pending[] = [];
  private queuedEvents = 0;
  private readonly waiters: Array<() => void> = [];
  private writing = false;
  private readonly extractors: MetricExtractor[] = [];
  private readonly consumers: EventConsumer[] = [];
  private readonly maxQueued: number;
  private readonly maxBatch: number;
  private idleWaiters: Array<() => void> = [];
  readonly counters: PipelineStats = {
    queuedEvents: 0,
    committedEvents: 0,
    committedBatches: 0,
    truncatedMessages: 0,
    clampedTimestamps: 0,
    consumerErrors: 0,
    ingestErrors: 0,
    lostEvents: 0,
    overBudgetLines: 0,
  };
  readonly budget: LineBudget;
  private readonly unstored = new UnstoredEvents();

  constructor(private readonly opts: PipelineOptions) {
    this.maxQueued = opts.maxQueuedEvents ?? 50_000;
    this.maxBatch = opts.maxBatchEvents ?? 10_000;
    this.budget = {
      ms: opts.lineBudgetMs ?? DEFAULT_LINE_BUDGET_MS,
      retries: opts.lineBudgetRetries ?? 0,
      overBudget: (r) => {
        this.counters.overBudgetLines++;
        logOverBudget(this.opts.log, r);
      },
    };
  }

  addExtractor(x: MetricExtractor): void {
    this.extractors.push(x);
  }

  addConsumer(c: EventConsumer): void {
    this.consumers.push(c);
  }

  removeConsumer(name: string): void {
    const i = this.consumers.findIndex((c) => c.name === name);
    if (i >= 0) this.consumers.splice(i, 1);
  }

  /**
   * Queues a batch. Resolves once the queue has taken it (waiting while the queue is full);
   * `committed` resolves once it is in the store.
   */
  async emit(batch: SourceBatch): Promise<{ committed: Promise<void> }> {
    while (this.queuedEvents > 0 && this.queuedEvents + batch.events.length > this.maxQueued) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
    let done!: Pending["done"];
    const committed = new Promise<void>((resolve, reject) => {
      done = { resolve, reject };
    });
    committed.catch(() => {});
    this.queue.push({ batch, done });
    this.queuedEvents += batch.events.length;
    this.counters.queuedEvents = this.queuedEvents;
    if (!this.writing) queueMicrotask(() => void this.drain());
    return { committed };
  }

  /** emit, then wait for the commit (what most sources want). */
  async emitAndCommit(batch: SourceBatch): Promise<void> {
    const { committed } = await this.emit(batch);
    await committed;
  }

  /** Resolves when everything queued so far is committed. */
  flushed(): Promise<void> {
    if (this.queue.length === 0 && !this.writing) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const taken: Pending[] = [];
        let n = 0;
        while (
          this.queue.length > 0 &&
          (taken.length === 0 || n + this.queue[0].batch.events.length <= this.maxBatch)
        ) {
          const p = this.queue.shift()!;
          taken.push(p);
          n += p.batch.events.length;
        }
        await this.commit(taken, n);
      }
    } finally {
      this.writing = false;
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of idle) r();
    }
  }

  private async commit(taken: Pending[], n: number): Promise<void> {
    const events: LogEvent[] = [];
    const checkpoints = [];
    for (const p of taken) {
      for (const e of p.batch.events) events.push(this.capMessage(this.checkTime(e)));
      checkpoints.push(...p.batch.checkpoints);
    }
    let seen: StoredEvent[];
    try {
      const metricPoints: MetricPoint[] = [];
      for (const x of this.extractors) metricPoints.push(...x(events, this.budget));
      const stored = await this.opts.logs.ingest({ events, checkpoints, metricPoints });
      this.counters.committedEvents += stored.length;
      this.counters.committedBatches++;
      for (const p of taken) p.done.resolve();
      seen = this.unstored.committed(stored);
    } catch (err) {
      this.counters.ingestErrors++;
      // Fail closed: the jails and alarm triggers still see these events (once, even when a source
      // sends them again), so a full disk does not switch protection off.
      seen = this.unstored.refused(events);
      this.counters.lostEvents += seen.length;
      this.opts.log.error(
        { err, lostEvents: this.counters.lostEvents },
        "the store could not commit a batch of %d events (they are LOST unless their source sends them again); jails and alarm triggers still evaluate them",
        events.length,
      );
      for (const p of taken) p.done.reject(err);
    } finally {
      this.queuedEvents -= n;
      this.counters.queuedEvents = this.queuedEvents;
      const w = this.waiters.splice(0);
      for (const r of w) r();
    }
    if (seen.length > 0) this.dispatch(seen);
  }

  /**
   * Hands each event to each consumer, in consumer order: under the line budget (a stuck line is skipped
   * for that consumer), except consumers that run no pattern (`unguarded`), which need no watchdog.
   */
  private dispatch(events: StoredEvent[]): void {
    // a batch is mostly of one group: then each consumer is asked once, not once per event
    const group = onlyGroup(events);
    const work = this.consumers
      .map((consumer) => {
        const wants = consumer.wants?.bind(consumer);
        if (!wants) return { consumer, events };
        if (group !== undefined) return { consumer, events: wants(group) ? events : [] };
        return { consumer, events: events.filter((e) => wants(e.group)) };
      })
      .filter((w) => w.events.length > 0);
    for (let from = 0; from < work.length; ) {
      let to = from + 1;
      const unguarded = work[from].consumer.unguarded === true;
      while (to < work.length && (work[to].consumer.unguarded === true) === unguarded) to++;
      if (unguarded) for (let c = from; c < to; c++) this.handOver(work[c].consumer, work[c].events);
      else this.dispatchGuarded(work.slice(from, to));
      from = to;
    }
  }

  private handOver(consumer: EventConsumer, events: readonly StoredEvent[]): void {
    try {
      consumer.onEvents(events);
    } catch (err) {
      this.counters.consumerErrors++;
      this.opts.log.error({ err, consumer: consumer.name }, "event consumer failed");
    }
  }

  private dispatchGuarded(work: Array<{ consumer: EventConsumer; events: StoredEvent[] }>): void {
    // one array reused for every call: a consumer must not keep the array it is given
    const one: StoredEvent[] = [];
    let c = 0;
    let i = 0;
    const step = (): boolean => {
      while (c < work.length && i === work[c].events.length) {
        c++;
        i = 0;
      }
      if (c >= work.length) return false;
      one[0] = work[c].events[i];
      this.handOver(work[c].consumer, one);
      i++;
      return true;
    };
    runSteps(
      this.budget.ms,
      step,
      (ms) => {
        const { consumer, events: mine } = work[c];
        const e = mine[i];
        this.budget.overBudget({
          part: consumer.name,
          filter: consumer.filterName ?? consumer.name,
          group: e.group,
          stream: e.stream,
          lineLength: e.message.length,
          ms: Math.round(ms),
          budgetMs: this.budget.ms,
        });
        i++;
      },
      this.budget.retries,
    );
  }

  /** An event time no date can hold becomes the ingest time, counted (the message keeps what was sent). */
  private checkTime(e: LogEvent): LogEvent {
    if (timeFits(e.timestamp)) return e;
    this.counters.clampedTimestamps++;
    return { ...e, timestamp: e.ingestTime };
  }

  /** Lines over 256 KiB are cut (as CloudWatch does) and counted. */
  private capMessage(e: LogEvent): LogEvent {
    const message = cappedMessage(e.message);
    if (message === e.message) return e;
    this.counters.truncatedMessages++;
    return { ...e, message };
  }
}

/** The group of every event, or undefined when they are of several groups (or none). */
function onlyGroup(events: readonly StoredEvent[]): string | undefined {
  if (events.length === 0) return undefined;
  const group = events[0].group;
  for (let i = 1; i < events.length; i++) if (events[i].group !== group) return undefined;
  return group;
}

/** Whether an event time is one a date can hold (1970..9999); others are stored as the ingest time. */
export function timeFits(t: number): boolean {
  return Number.isFinite(t) && t >= 0 && t <= MAX_EVENT_TIME_MS;
}

/** The message as stored: cut to 256 KiB (as CloudWatch does), never in the middle of a UTF-8 sequence. */
export function cappedMessage(message: string): string {
  if (message.length * 3 <= MAX_MESSAGE_BYTES) return message;
  const buf = Buffer.from(message, "utf8");
  if (buf.length <= MAX_MESSAGE_BYTES) return message;
  let cut = MAX_MESSAGE_BYTES;
  while (cut > 0 && (buf[cut] & 0xc0) === 0x80) cut--; // do not split a UTF-8 sequence
  return buf.subarray(0, cut).toString("utf8");
}
