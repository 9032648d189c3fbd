/**
 * Samples: up to 10 log events that made an alarm fire. Taken from the store (not an in-memory ring), so
 * they survive a restart and are exactly the committed events of the metric's source groups that match its
 * metric filter (and dimensions) within the breaching periods, oldest first.
 */
import type { AlarmConfig } from "../config/schema.js";
import type { CompiledMetricFilter } from "../metrics/filters.js";
import { DEFAULT_LINE_BUDGET_MS, runSteps } from "../pipeline/budget.js";
import type { LogStore } from "../store/store.js";
import type { AlarmMessage } from "./message.js";

export const MAX_SAMPLES = 10;
/** at most this many events are read looking for samples (a busy group must not stall the alarm) */
const MAX_SCANNED = 20_000;
const PAGE = 1_000;

export function sameDimensions(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const kx = Object.keys(x);
  return kx.length === Object.keys(y).length && kx.every((k) => x[k] === y[k]);
}

/** The metric filters whose points make up the alarm's metric (same namespace, name and dimension names). */
export function feedersOf(
  alarm: AlarmConfig,
  filters: readonly CompiledMetricFilter[],
): CompiledMetricFilter[] {
  const want = Object.keys(alarm.metric.dimensions ?? {})
    .sort()
    .join(",");
  return filters.filter(
    (f) =>
      f.config.metric.namespace === alarm.metric.namespace &&
      f.config.metric.name === alarm.metric.name &&
      Object.keys(f.config.metric.dimensions ?? {})
        .sort()
        .join(",") === want,
  );
}

export async function findSamples(
  logs: Pick<LogStore, "query">,
  alarm: AlarmConfig,
  feeders: readonly CompiledMetricFilter[],
  periodStarts: readonly number[],
): Promise<AlarmMessage["Samples"]> {
  const samples: AlarmMessage["Samples"] = [];
  const periodMs = alarm.period * 1000;
  let scanned = 0;
  for (const start of [...periodStarts].sort((a, b) => a - b)) {
    for (const f of feeders) {
      let afterKey: { ts: number; id: number } | undefined;
      for (;;) {
        const page = await logs.query({
          group: f.config.group,
          start,
          end: start + periodMs,
          afterKey,
          limit: PAGE,
        });
        let k = 0;
        const step = (): boolean => {
          if (k >= page.length || samples.length >= MAX_SAMPLES) return false;
          const e = page[k];
          const r = f.extract(e);
          if (r?.kind === "point" && sameDimensions(r.point.dimensions, alarm.metric.dimensions))
            samples.push({
              timestamp: e.timestamp,
              logGroup: e.group,
              logStream: e.stream,
              message: e.message,
            });
          k++;
          return true;
        };
        // a line that exceeds the line budget was already reported (and skipped) when it was ingested
        runSteps(DEFAULT_LINE_BUDGET_MS, step, () => k++);
        if (samples.length >= MAX_SAMPLES) return samples;
        scanned += page.length;
        if (page.length < PAGE || scanned >= MAX_SCANNED) break;
        const last = page[page.length - 1];
        afterKey = { ts: last.timestamp, id: last.id };
      }
      if (scanned >= MAX_SCANNED) return samples;
    }
  }
  return samples;
}
