/** The metrics part of the daemon: compiles the metric filters and adds their extractor to the pipeline. */
import type { BuiltPart } from "../parts.js";
import type { ServiceContext } from "../service.js";
import { compileMetricFilters, type MetricFilterSet } from "./filters.js";

/** Filters compiled for a pipeline, so the alarms part reuses them instead of compiling again. */
const compiled = new WeakMap<object, MetricFilterSet>();

/** Builds the metric-filter extractor and adds it to the pipeline (once per pipeline). */
export function buildMetricExtractor(ctx: Pick<ServiceContext, "config" | "pipeline">): MetricFilterSet {
  const known = compiled.get(ctx.pipeline);
  if (known) return known;
  const set = compileMetricFilters(ctx.config.metric_filters);
  if (set.filters.length > 0) ctx.pipeline.addExtractor(set.extract);
  compiled.set(ctx.pipeline, set);
  return set;
}

/** The filters of this pipeline (compiled and added by the metrics part when it ran first). */
export const metricFiltersFor = buildMetricExtractor;

export function buildMetricsPart(ctx: ServiceContext): BuiltPart {
  const set = buildMetricExtractor(ctx);
  const log = ctx.log.child({ part: "metrics" });
  return {
    services: [
      {
        name: "metric-filters",
        async start() {
          log.debug({ filters: set.filters.map((f) => f.config.name) }, "metric filters compiled");
        },
        async stop() {
          log.info({ ...set.counters }, "metric filters");
        },
      },
    ],
  };
}
