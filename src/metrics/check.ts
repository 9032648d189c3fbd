/**
 * `config check` for metric filters and alarms: every pattern compiles, values and dimensions are usable
 * references, every alarm watches a metric some filter produces, `early: true` only where it is sound.
 */

import { earlyFiringAllowed } from "../alarms/evaluate.js";
import type { Locator } from "../config/load.js";
import type { MamoriConfig } from "../config/schema.js";
import type { ConfigProblem } from "../core/errors.js";
import { compilePattern, PatternSyntaxError } from "../patterns/index.js";
import { checkValueRef } from "./filters.js";

export function metricAndAlarmChecks(config: MamoriConfig, locate: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.metric_filters.forEach((f, i) => {
    try {
      compilePattern(f.pattern);
    } catch (err) {
      const msg =
        err instanceof PatternSyntaxError
          ? `invalid filter pattern at ${err.line}:${err.col} of the pattern: ${err.reason}; try it with \`mamori pattern test PATTERN FILE\``
          : `invalid filter pattern: ${(err as Error).message}`;
      problems.push(locate(["metric_filters", i, "pattern"], msg));
    }
    const valueProblem = checkValueRef(f.metric.value, true);
    if (valueProblem) problems.push(locate(["metric_filters", i, "metric", "value"], valueProblem));
    for (const [k, ref] of Object.entries(f.metric.dimensions ?? {})) {
      const p = checkValueRef(ref, false);
      if (p) problems.push(locate(["metric_filters", i, "metric", "dimensions", k], p));
    }
  });
  const produced = config.metric_filters.map((f) => ({
    id: `${f.metric.namespace}/${f.metric.name}`,
    dims: Object.keys(f.metric.dimensions ?? {})
      .sort()
      .join(","),
  }));
  config.alarms.forEach((a, i) => {
    const id = `${a.metric.namespace}/${a.metric.name}`;
    const dims = Object.keys(a.metric.dimensions ?? {})
      .sort()
      .join(",");
    const same = produced.filter((p) => p.id === id);
    if (same.length === 0) {
      const known = [...new Set(produced.map((p) => p.id))];
      problems.push(
        locate(
          ["alarms", i, "metric"],
          `no metric filter produces ${id}, so this alarm would never get data; ${known.length ? `metrics the filters produce: ${known.join(", ")}` : "add a metric filter under metric_filters:"}`,
        ),
      );
    } else if (!same.some((p) => p.dims === dims)) {
      problems.push(
        locate(
          ["alarms", i, "metric", "dimensions"],
          `the metric filters for ${id} have dimensions [${same.map((p) => p.dims || "none").join("; ")}], the alarm [${dims || "none"}]; an alarm watches one exact dimension set`,
        ),
      );
    }
    if (a.early === true && !earlyFiringAllowed(a)) {
      problems.push(
        locate(
          ["alarms", i, "early"],
          "early firing needs a statistic that only grows within a period (Sum, SampleCount, Maximum) and GreaterThanThreshold or GreaterThanOrEqualToThreshold; remove `early: true`",
        ),
      );
    }
  });
  return problems;
}
