/** The metrics part of the daemon: compiles the metric filters and adds their extractor to the pipeline. */
import type { BuiltPart } from "../parts.js";
import type { ServiceContext } from "../service.js";
import { compileMetricFilters, type MetricFilterSet } from "./filters.js";

/** Builds the metric-filter extractor (the daemon calls this from src/parts.ts). */
export function buildMetricExtractor(ctx: Pick<ServiceContext, "config" | "pipeline">): MetricFilterSet {
  const set = compileMetricFilters(ctx.config.metric_filters);
  if (set.filters.length > 0) ctx.pipeline.addExtractor(set.extract);
  return set;
}

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
