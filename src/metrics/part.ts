/**
 * The metrics part of the daemon: the compiled metric filters, as one extractor in the pipeline's ingest
 * transaction. It lives as long as the daemon; a reload recompiles only when the filters changed (and
 * swaps them only once the new ones compiled).
 */
import type { MetricFilterConfig } from "../config/schema.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { Service } from "../service.js";
import type { MetricPoint } from "../store/store.js";
import { compileMetricFilters, type MetricFilterSet } from "./filters.js";

export interface MetricsPart {
  /** the filters compiled now (alarms get them as an argument) */
  readonly filters: MetricFilterSet;
  /** a reload: swaps in the new filters when they changed; returns how to undo that, or undefined */
  update(configs: readonly MetricFilterConfig[]): (() => void) | undefined;
  service: Service;
}

export function buildMetricsPart(
  configs: readonly MetricFilterConfig[],
  pipeline: Pick<Pipeline, "addExtractor">,
): MetricsPart {
  let fingerprint = JSON.stringify(configs);
  let set = compileMetricFilters(configs);
  const none: MetricPoint[] = [];
  pipeline.addExtractor((events) => (set.filters.length > 0 ? set.extract(events) : none));
  return {
    get filters() {
      return set;
    },
    update(next) {
      const nextFingerprint = JSON.stringify(next);
      if (nextFingerprint === fingerprint) return undefined;
      const previous = { set, fingerprint };
      set = compileMetricFilters(next);
      fingerprint = nextFingerprint;
      return () => {
        ({ set, fingerprint } = previous);
      };
    },
    service: {
      name: "metric-filters",
      async start() {},
      async stop() {},
      stats: () => ({ filters: set.filters.length, ...set.counters }),
    },
  };
}
