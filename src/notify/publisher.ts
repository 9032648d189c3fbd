/**
 * The Publisher: one bounded queue and one delivery loop per subscription (Prometheus notifier /
 * Alertmanager shape), so a slow or failing subscription never delays another. Each message is tried up to
 * the topic's `retry.attempts` times with exponential backoff on the injected clock; every attempt is
 * recorded in store.deliveries; a full queue drops its oldest message and counts it.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { TopicConfig } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { DeliveryStore } from "../store/store.js";
import type { Channel } from "./channels/types.js";
import type { Notification, Publisher } from "./types.js";

export interface PublisherDeps {
  clock: Clock;
  deliveries: Pick<DeliveryStore, "record">;
  log: Logger;
  /** this machine's name (`mamori@HOST`); a function when a reload may change it */
  host: string | (() => string);
  /** messages a subscription holds before dropping the oldest */
  queueCapacity?: number;
  /** how long one attempt may take */
  attemptTimeoutMs?: number;
  /** how long stop() lets queued messages go out before abandoning them */
  stopGraceMs?: number;
}

export interface SubscriptionStats {
  topic: string;
  subscription: string;
  queued: number;
  delivered: number;
  /** messages given up after the last attempt */
  failed: number;
  attempts: number;
  dropped: number;
}

interface Queued {
  id: string;
  notification: Notification;
}

class SubscriptionWorker {
  readonly queue: Queued[] = [];
  readonly stats: SubscriptionStats;
  busy = false;
  /** the message being delivered (or waiting for its next attempt) */
  current?: Queued;
  private wake?: () => void;

  constructor(
    readonly topic: TopicConfig,
    readonly channel: Channel,
    private readonly deps: Required<PublisherDeps>,
    private readonly onIdle: () => void,
  ) {
    this.stats = {
      topic: topic.name,
      subscription: channel.id,
      queued: 0,
      delivered: 0,
      failed: 0,
      attempts: 0,
      dropped: 0,
    };
  }

  enqueue(item: Queued): void {
    if (this.queue.length >= this.deps.queueCapacity) {
      this.queue.shift();
      this.stats.dropped++;
      this.deps.log.warn(
        { topic: this.topic.name, subscription: this.channel.id },
        "notification queue full: dropped the oldest message",
      );
    }
    this.queue.push(item);
    this.stats.queued = this.queue.length;
    this.wake?.();
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const item = this.queue.shift();
      this.stats.queued = this.queue.length;
      if (!item) {
        this.onIdle();
        await new Promise<void>((resolve) => {
          const done = () => {
            signal.removeEventListener("abort", done);
            this.wake = undefined;
            resolve();
          };
          this.wake = done;
          signal.addEventListener("abort", done, { once: true });
        });
        continue;
      }
      this.busy = true;
      this.current = item;
      try {
        await this.deliver(item, signal);
      } finally {
        this.busy = false;
        this.current = undefined;
      }
    }
  }

  private backoffMs(attempt: number): number {
    const { backoff, max_backoff } = this.topic.retry;
    return Math.min(backoff * 2 ** (attempt - 1), max_backoff) * 1000;
  }

  private async deliver(item: Queued, stop: AbortSignal): Promise<void> {
    const attempts = this.topic.retry.attempts;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const error = await attemptOnce(this.channel, item, this.topic.name, attempt, this.deps, stop);
      this.stats.attempts++;
      if (error === undefined) {
        this.stats.delivered++;
        return;
      }
      if (stop.aborted) return;
      if (attempt === attempts) break;
      try {
        await this.deps.clock.sleep(this.backoffMs(attempt), stop);
      } catch {
        return;
      }
    }
    this.stats.failed++;
    this.deps.log.error(
      { topic: this.topic.name, subscription: this.channel.id, attempts, messageId: item.id },
      "notification not delivered: gave up after the last attempt (see `deliveries` in the store)",
    );
  }
}

/** One attempt with a timeout on the clock, recorded; returns the error text, or undefined on success. */
async function attemptOnce(
  channel: Channel,
  item: Queued,
  topic: string,
  attempt: number,
  deps: Required<PublisherDeps>,
  stop?: AbortSignal,
): Promise<string | undefined> {
  const ac = new AbortController();
  const timer = deps.clock.setTimeout(
    () => ac.abort(new Error(`timed out after ${deps.attemptTimeoutMs} ms`)),
    deps.attemptTimeoutMs,
  );
  const onStop = () => ac.abort(new Error("mamori is stopping"));
  stop?.addEventListener("abort", onStop, { once: true });
  const started = deps.clock.now();
  let error: string | undefined;
  try {
    await channel.send(
      item.notification,
      { topic, host: typeof deps.host === "string" ? deps.host : deps.host() },
      ac.signal,
    );
  } catch (err) {
    error = errorMessage(err);
  } finally {
    timer.cancel();
    stop?.removeEventListener("abort", onStop);
  }
  try {
    await deps.deliveries.record({
      topic,
      subscription: channel.id,
      messageId: item.id,
      attempt,
      timestamp: started,
      ok: error === undefined,
      error,
      durationMs: deps.clock.now() - started,
    });
  } catch (err) {
    deps.log.error({ err: errorMessage(err) }, "could not record a delivery attempt");
  }
  if (error !== undefined)
    deps.log.warn({ topic, subscription: channel.id, attempt, error }, "notification attempt failed");
  return error;
}

function withDefaults(deps: PublisherDeps): Required<PublisherDeps> {
  return { queueCapacity: 100, attemptTimeoutMs: 10_000, stopGraceMs: 5_000, ...deps };
}

interface TopicEntry {
  /** the topic's config as compared on reload */
  fingerprint: string;
  workers: SubscriptionWorker[];
  abort?: AbortController;
  loops: Promise<void>[];
}

/** What decides how a topic delivers: its config, plus whatever else its channels read (smtp, folder). */
export type TopicFingerprint = (topic: TopicConfig) => string;

export class TopicPublisher implements Publisher {
  private topics = new Map<string, TopicEntry>();
  private readonly deps: Required<PublisherDeps>;
  private running = false;
  private idleWaiters: Array<() => void> = [];
  unknownTopics = 0;

  constructor(
    topics: readonly TopicConfig[],
    private channels: (topic: TopicConfig) => Channel[],
    deps: PublisherDeps,
    private readonly fingerprint: TopicFingerprint = (t) => JSON.stringify(t),
  ) {
    this.deps = withDefaults(deps);
    for (const t of topics) this.topics.set(t.name, this.entryFor(t));
  }

  private entryFor(t: TopicConfig): TopicEntry {
    return {
      fingerprint: this.fingerprint(t),
      workers: this.channels(t).map((c) => new SubscriptionWorker(t, c, this.deps, () => this.checkIdle())),
      loops: [],
    };
  }

  publish(topic: string, notification: Notification): void {
    const entry = this.topics.get(topic);
    if (!entry) {
      this.unknownTopics++;
      this.deps.log.warn({ topic }, "publish to an unknown topic: nothing sent (define it under topics:)");
      return;
    }
    const item = { id: randomUUID(), notification };
    for (const w of entry.workers) w.enqueue(item);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const e of this.topics.values()) this.run(e);
  }

  private run(e: TopicEntry): void {
    e.abort = new AbortController();
    const signal = e.abort.signal;
    e.loops = e.workers.map((w) => w.run(signal));
  }

  /**
   * A reload: topics whose config is unchanged keep their queues, retries and counters; a changed topic
   * gets new subscriptions, and the messages still queued for it go to them; a removed topic is dropped
   * (its queued messages are counted as dropped). Channels are built before anything changes, so a
   * channel that cannot be built leaves every topic as it was. Returns the names that changed.
   */
  async update(
    topics: readonly TopicConfig[],
    channels: (topic: TopicConfig) => Channel[] = this.channels,
  ): Promise<{ added: string[]; changed: string[]; removed: string[] }> {
    const previous = this.channels;
    this.channels = channels;
    const next = new Map<string, TopicEntry>();
    const report = { added: [] as string[], changed: [] as string[], removed: [] as string[] };
    try {
      for (const t of topics) {
        const old = this.topics.get(t.name);
        if (old && old.fingerprint === this.fingerprint(t)) next.set(t.name, old);
        else next.set(t.name, this.entryFor(t));
      }
    } catch (err) {
      this.channels = previous;
      throw err;
    }
    const retired: TopicEntry[] = [];
    for (const [name, old] of this.topics) {
      const now = next.get(name);
      if (now === old) continue;
      retired.push(old);
      if (!now) {
        report.removed.push(name);
        for (const w of old.workers) w.stats.dropped += w.queue.length;
        continue;
      }
      report.changed.push(name);
      // what the old subscriptions still had to deliver (in flight first) goes to the new ones
      const seen = new Set<string>();
      for (const w of old.workers)
        for (const item of [...(w.current ? [w.current] : []), ...w.queue.splice(0)])
          if (!seen.has(item.id)) {
            seen.add(item.id);
            for (const nw of now.workers) nw.enqueue(item);
          }
    }
    for (const name of next.keys()) if (!this.topics.has(name)) report.added.push(name);
    this.topics = next;
    if (this.running) for (const e of next.values()) if (!e.abort) this.run(e);
    for (const e of retired) {
      e.abort?.abort();
      await Promise.allSettled(e.loops);
    }
    this.checkIdle();
    return report;
  }

  /** Lets queued messages go out for up to stopGraceMs, then abandons the rest. */
  async stop(): Promise<void> {
    if (!this.running) return;
    if (!this.isIdle() && this.deps.stopGraceMs > 0) {
      const grace = new AbortController();
      await Promise.race([
        this.idle(),
        this.deps.clock.sleep(this.deps.stopGraceMs, grace.signal).catch(() => {}),
      ]);
      grace.abort();
    }
    this.running = false;
    for (const e of this.topics.values()) e.abort?.abort();
    await Promise.allSettled([...this.topics.values()].flatMap((e) => e.loops));
    for (const e of this.topics.values()) e.abort = undefined;
  }

  stats(): SubscriptionStats[] {
    return this.workers().map((w) => ({ ...w.stats }));
  }

  /** Resolves once every queue is empty and nothing is in flight (tests, shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private workers(): SubscriptionWorker[] {
    return [...this.topics.values()].flatMap((e) => e.workers);
  }

  private isIdle(): boolean {
    return this.workers().every((w) => w.queue.length === 0 && !w.busy);
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters.splice(0);
    for (const r of waiters) r();
  }
}

export interface TestResult {
  subscription: string;
  ok: boolean;
  error?: string;
  durationMs: number;
}

/** Sends one message to every subscription of a topic now, once each, in parallel (`mamori topics test`). */
export async function sendToEverySubscription(
  topic: TopicConfig,
  channels: Channel[],
  notification: Notification,
  deps: PublisherDeps,
): Promise<TestResult[]> {
  const full = withDefaults(deps);
  const id = randomUUID();
  return Promise.all(
    channels.map(async (c) => {
      const started = full.clock.now();
      const error = await attemptOnce(c, { id, notification }, topic.name, 1, full);
      return { subscription: c.id, ok: error === undefined, error, durationMs: full.clock.now() - started };
    }),
  );
}
