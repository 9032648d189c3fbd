/**
 * One alarm as a part of the daemon: its scheduler (evaluations on the clock) and, while it runs, a
 * pipeline consumer for early firing. Its state lives in the store, so a restarted alarm goes on from
 * the state it had.
 */
import type { Logger } from "pino";
import type { AlarmConfig } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import type { MetricFilterSet } from "../metrics/filters.js";
import type { Publisher } from "../notify/types.js";
import type { DetectionSink } from "../pipeline/detections.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { Service } from "../service.js";
import type { Store } from "../store/store.js";
import { feedersOf } from "./samples.js";
import { AlarmScheduler } from "./scheduler.js";

export interface AlarmPartDeps {
  store: Pick<Store, "alarms" | "metrics" | "logs">;
  clock: Clock;
  log: Logger;
  hostname: string;
  pipeline: Pick<Pipeline, "addConsumer" | "removeConsumer">;
  publisher: Publisher;
  filters: MetricFilterSet;
  detections: DetectionSink;
}

/** What decides how an alarm runs: its config, the metric filters that feed it, the host its events name. */
export function alarmFingerprint(alarm: AlarmConfig, filters: MetricFilterSet, hostname: string): string {
  const feeders = feedersOf(alarm, filters.filters).map((f) => f.config);
  return JSON.stringify({ alarm, feeders, hostname });
}

export function buildAlarmPart(
  alarm: AlarmConfig,
  deps: AlarmPartDeps,
): Service & { scheduler: AlarmScheduler } {
  const scheduler = new AlarmScheduler({
    alarms: [alarm],
    name: `alarm:${alarm.name}`,
    store: deps.store,
    clock: deps.clock,
    publisher: deps.publisher,
    log: deps.log.child({ part: "alarms" }),
    filters: deps.filters,
    detections: deps.detections,
    hostname: deps.hostname,
  });
  return {
    name: scheduler.name,
    scheduler,
    async start() {
      deps.pipeline.addConsumer(scheduler);
      await scheduler.start();
    },
    async stop() {
      deps.pipeline.removeConsumer(scheduler.name);
      await scheduler.stop();
    },
    stats: () => ({ ...scheduler.stats, state: scheduler.states()[0]?.state ?? null }),
  };
}
