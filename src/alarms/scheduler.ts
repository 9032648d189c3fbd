/**
 * The alarm service: feeds `evaluateAlarm` and acts on what it returns. Each alarm is evaluated on the
 * clock shortly after each of its period boundaries (the delay lets the last events of the period land),
 * and — for alarms with early firing — right after committed events matched its metric filter (as a
 * pipeline EventConsumer, which runs after the commit). Evaluations of one alarm never overlap. State and
 * history are persisted before any notification is queued, so a restart neither forgets an ALARM nor sends
 * it again; actions run on transitions only.
 */
import type { Logger } from "pino";
import type { AlarmConfig } from "../config/schema.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { StoredEvent } from "../core/event.js";
import type { CompiledMetricFilter, MetricFilterSet } from "../metrics/filters.js";
import type { Publisher } from "../notify/types.js";
import type { DetectionSink } from "../pipeline/detections.js";
import type { EventConsumer } from "../pipeline/pipeline.js";
import type { AlarmStateRecord, Store } from "../store/store.js";
import {
  type AlarmEvaluation,
  earlyFiring,
  evaluateAlarm,
  evaluationWindow,
  INITIAL_REASON,
} from "./evaluate.js";
import { buildAlarmMessage } from "./message.js";
import { alarmNotification } from "./notification.js";
import { feedersOf, findSamples, sameDimensions } from "./samples.js";

export interface AlarmSchedulerDeps {
  alarms: readonly AlarmConfig[];
  store: Pick<Store, "alarms" | "metrics" | "logs">;
  clock: Clock;
  publisher: Publisher;
  log: Logger;
  filters: MetricFilterSet;
  /** where state changes go as events (log group `mamori/alarms`) */
  detections?: DetectionSink;
  /** this host's name, in those events */
  hostname?: string;
  /** the consumer name in the pipeline (one scheduler per alarm in the daemon: `alarm:NAME`) */
  name?: string;
  /** wait after a period boundary before evaluating it (capped at half a period); default 5 s */
  evaluationDelayMs?: number;
}

interface Runtime {
  alarm: AlarmConfig;
  feeders: CompiledMetricFilter[];
  groups: Set<string>;
  early: boolean;
  state?: AlarmStateRecord;
  chain: Promise<void>;
  eventPending: boolean;
  timer?: TimerHandle;
}

export const ALARMS_GROUP = "mamori/alarms";

/** One line of `mamori/alarms`: an alarm changed state. */
export interface AlarmEvent {
  alarm: string;
  old_state: AlarmStateRecord["state"];
  new_state: AlarmStateRecord["state"];
  /** the CloudWatch-style reason */
  reason: string;
  /** ISO 8601 */
  time: string;
  host: string;
}

export interface AlarmStats {
  evaluations: number;
  transitions: number;
  earlyEvaluations: number;
  errors: number;
}

export class AlarmScheduler implements EventConsumer {
  readonly name: string;
  readonly stats: AlarmStats = { evaluations: 0, transitions: 0, earlyEvaluations: 0, errors: 0 };
  private readonly runtimes: Runtime[];
  private readonly earlyByGroup = new Map<string, Runtime[]>();
  private running = false;
  /**
   * EventConsumer: the early-firing alarms' filter patterns all run in linear time (see
   * CompiledPattern.linear), so the pipeline needs no watchdog for this consumer.
   */
  readonly unguarded: boolean;

  constructor(private readonly deps: AlarmSchedulerDeps) {
    this.name = deps.name ?? "alarms";
    this.runtimes = deps.alarms.map((alarm) => {
      const feeders = feedersOf(alarm, deps.filters.filters);
      return {
        alarm,
        feeders,
        groups: new Set(feeders.map((f) => f.config.group)),
        early: earlyFiring(alarm),
        chain: Promise.resolve(),
        eventPending: false,
      };
    });
    for (const r of this.runtimes) {
      if (!r.early) continue;
      for (const g of r.groups) this.earlyByGroup.set(g, [...(this.earlyByGroup.get(g) ?? []), r]);
    }
    this.unguarded = this.runtimes.every((r) => !r.early || r.feeders.every((f) => f.pattern.linear));
  }

  async start(): Promise<void> {
    const now = this.deps.clock.now();
    for (const r of this.runtimes) {
      r.state = await this.deps.store.alarms.get(r.alarm.name);
      if (!r.state) {
        r.state = {
          name: r.alarm.name,
          state: "INSUFFICIENT_DATA",
          reason: INITIAL_REASON,
          reasonData: null,
          since: now,
          evaluatedAt: now,
        };
        await this.deps.store.alarms.put(r.state);
        await this.deps.store.alarms.appendHistory({
          name: r.alarm.name,
          timestamp: now,
          type: "ConfigurationUpdate",
          summary: `Alarm "${r.alarm.name}" created`,
          data: JSON.stringify({ type: "Create", alarm: r.alarm }),
        });
      }
    }
    this.running = true;
    // evaluate at once (a restart picks up where the data is now), then at every period boundary
    await Promise.all(this.runtimes.map((r) => this.enqueue(r, "scheduled")));
    for (const r of this.runtimes) this.arm(r);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const r of this.runtimes) r.timer?.cancel();
    await Promise.all(this.runtimes.map((r) => r.chain));
  }

  /** The current state of every alarm (as last persisted). */
  states(): AlarmStateRecord[] {
    return this.runtimes.flatMap((r) => (r.state ? [r.state] : []));
  }

  /** Resolves when every evaluation queued so far is done (tests). */
  async settled(): Promise<void> {
    await Promise.all(this.runtimes.map((r) => r.chain));
  }

  /** EventConsumer: only groups that feed an early-firing alarm are handed over. */
  wants(group: string): boolean {
    return this.running && this.earlyByGroup.has(group);
  }

  /** EventConsumer: committed events that feed an early-firing alarm trigger its evaluation at once. */
  onEvents(events: readonly StoredEvent[]): void {
    if (!this.running || this.earlyByGroup.size === 0) return;
    const due = new Set<Runtime>();
    for (const e of events) {
      const runtimes = this.earlyByGroup.get(e.group);
      if (!runtimes) continue;
      for (const r of runtimes) {
        if (due.has(r) || r.eventPending || r.state?.state === "ALARM") continue;
        for (const f of r.feeders) {
          if (f.config.group !== e.group) continue;
          const x = f.extract(e);
          if (x?.kind === "point" && sameDimensions(x.point.dimensions, r.alarm.metric.dimensions)) {
            due.add(r);
            break;
          }
        }
      }
    }
    for (const r of due) {
      r.eventPending = true;
      void this.enqueue(r, "event");
    }
  }

  private delayMs(alarm: AlarmConfig): number {
    return Math.min(this.deps.evaluationDelayMs ?? 5_000, (alarm.period * 1000) / 2);
  }

  private arm(r: Runtime): void {
    if (!this.running) return;
    const p = r.alarm.period * 1000;
    const now = this.deps.clock.now();
    const delay = this.delayMs(r.alarm);
    let next = Math.floor(now / p) * p + delay;
    if (next <= now) next += p;
    r.timer = this.deps.clock.setTimeout(() => {
      void this.enqueue(r, "scheduled");
      this.arm(r);
    }, next - now);
  }

  private enqueue(r: Runtime, mode: "scheduled" | "event"): Promise<void> {
    r.chain = r.chain.then(async () => {
      if (mode === "event") r.eventPending = false;
      if (!this.running) return;
      try {
        await this.evaluate(r, mode);
      } catch (err) {
        this.stats.errors++;
        this.deps.log.error(
          { alarm: r.alarm.name, err: errorMessage(err) },
          "alarm evaluation failed; it is retried at the next period",
        );
      }
    });
    return r.chain;
  }

  private async evaluate(r: Runtime, mode: "scheduled" | "event"): Promise<void> {
    const { alarm } = r;
    const now = this.deps.clock.now();
    const window = evaluationWindow(alarm, now);
    const datapoints = await this.deps.store.metrics.statistics({
      namespace: alarm.metric.namespace,
      name: alarm.metric.name,
      dimensions: alarm.metric.dimensions ?? {},
      start: window.start,
      end: window.end,
      period: alarm.period,
    });
    const current = r.state!;
    const result = evaluateAlarm(alarm, current, datapoints, now);
    this.stats.evaluations++;
    if (mode === "event") {
      this.stats.earlyEvaluations++;
      // between boundaries only firing is decided; everything else waits for the period to close
      if (result.state !== "ALARM") return;
    }
    if (!result.transition) {
      if (mode === "scheduled") {
        r.state = { ...current, evaluatedAt: now };
        await this.deps.store.alarms.put(r.state);
      }
      return;
    }
    await this.transition(r, result, now);
  }

  private async transition(r: Runtime, result: AlarmEvaluation, now: number): Promise<void> {
    const { alarm } = r;
    const old = r.state!;
    const from = old.state;
    const to = result.state;
    const next: AlarmStateRecord = {
      name: alarm.name,
      state: to,
      reason: result.reason,
      reasonData: result.reasonData,
      since: now,
      evaluatedAt: now,
    };
    await this.deps.store.alarms.put(next);
    r.state = next;
    this.stats.transitions++;
    await this.deps.store.alarms.appendHistory({
      name: alarm.name,
      timestamp: now,
      type: "StateUpdate",
      summary: `Alarm updated from ${from} to ${to}`,
      data: JSON.stringify({
        version: "1.0",
        oldState: { stateValue: from, stateReason: old.reason },
        newState: {
          stateValue: to,
          stateReason: result.reason,
          stateReasonData: result.reasonData ? JSON.parse(result.reasonData) : undefined,
        },
        early: result.early,
      }),
    });
    this.deps.log.info(
      { alarm: alarm.name, from, to, reason: result.reason, early: result.early },
      "alarm state changed",
    );
    this.deps.detections?.emit(ALARMS_GROUP, {
      alarm: alarm.name,
      old_state: from,
      new_state: to,
      reason: result.reason,
      time: new Date(now).toISOString(),
      host: this.deps.hostname ?? "",
    } satisfies AlarmEvent);
    const topics =
      to === "ALARM" ? alarm.actions.alarm : to === "OK" ? alarm.actions.ok : alarm.actions.insufficient_data;
    if (topics.length === 0) return;
    const samples =
      to === "ALARM"
        ? await findSamples(this.deps.store.logs, alarm, r.feeders, result.breachingPeriods)
        : [];
    const message = buildAlarmMessage({
      alarm,
      from,
      to,
      reason: result.reason,
      at: now,
      unit: r.feeders[0]?.config.metric.unit,
      samples,
    });
    for (const topic of topics) {
      this.deps.publisher.publish(topic, alarmNotification(message));
      await this.deps.store.alarms.appendHistory({
        name: alarm.name,
        timestamp: now,
        type: "Action",
        summary: `Published a notification to topic "${topic}"`,
        data: JSON.stringify({ topic, newState: to, samples: samples.length }),
      });
    }
  }
}
