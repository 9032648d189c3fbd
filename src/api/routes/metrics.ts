/** Metric statistics over a time range, as GetMetricStatistics gives them (one statistic, one period). */

import { z } from "zod";
import type { MetricDatapoint } from "../../store/store.js";
import type { ApiDeps } from "../deps.js";
import { badRequest } from "../errors.js";
import { type ApiRouter, param, readQuery } from "../router.js";
import { list, metricQuery, metricSeries } from "../schemas.js";

export function statisticOf(d: MetricDatapoint, statistic: string): number {
  switch (statistic) {
    case "Average":
      return d.sampleCount > 0 ? d.sum / d.sampleCount : 0;
    case "Minimum":
      return d.minimum;
    case "Maximum":
      return d.maximum;
    case "SampleCount":
      return d.sampleCount;
    default:
      return d.sum;
  }
}

function dimensionsOf(text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw badRequest('dimensions must be a JSON object, e.g. {"jail":"sshd"}');
  }
  if (
    !v ||
    typeof v !== "object" ||
    Array.isArray(v) ||
    !Object.values(v).every((x) => typeof x === "string")
  )
    throw badRequest("dimensions must be a JSON object of strings");
  return v as Record<string, string>;
}

export function metricRoutes(r: ApiRouter, deps: ApiDeps): void {
  r.add(
    {
      method: "GET",
      path: "/api/v1/metrics",
      access: "viewer",
      summary: "known metrics",
      response: list(
        z.object({ namespace: z.string(), name: z.string(), dimensions: z.record(z.string(), z.string()) }),
        "metrics",
      ),
    },
    async (c) => c.json({ metrics: await deps.store.metrics.list() }),
  );
  r.add(
    {
      method: "GET",
      path: "/api/v1/metrics/:namespace/:name",
      access: "viewer",
      summary: "statistics of one metric (default: the last 3 hours, 60 s periods, Sum)",
      query: metricQuery,
      response: metricSeries,
    },
    async (c) => {
      const q = readQuery(c, metricQuery);
      if (!(q.period === 10 || q.period === 30 || q.period % 60 === 0))
        throw badRequest("period must be 10, 30 or a multiple of 60 seconds");
      const end = q.end ?? deps.clock.now();
      const start = q.start ?? end - 3 * 3600_000;
      if (start >= end) throw badRequest("start must be before end");
      if ((end - start) / (q.period * 1000) > 10_000)
        throw badRequest("at most 10000 periods per request: shorten the range or lengthen the period");
      const namespace = param(c, "namespace");
      const name = param(c, "name");
      const points = await deps.store.metrics.statistics({
        namespace,
        name,
        dimensions: dimensionsOf(q.dimensions),
        start,
        end,
        period: q.period,
      });
      return c.json({
        namespace,
        name,
        statistic: q.statistic,
        period: q.period,
        datapoints: points.map((d) => ({
          timestamp: d.timestamp,
          value: statisticOf(d, q.statistic),
          ...(d.unit ? { unit: d.unit } : {}),
        })),
      });
    },
  );
}
