/** `mamori metrics get|list`: metric statistics from the store (like `aws cloudwatch get-metric-statistics`). */
import type { Command } from "commander";
import { statisticValue } from "../../alarms/evaluate.js";
import { statisticSchema } from "../../config/schema.js";
import { systemClock } from "../../core/clock.js";
import { parseDuration } from "../../core/duration.js";
import { UsageError } from "../../core/errors.js";
import { isoTime, printable } from "../printable.js";
import { parseTimeArg, withStore } from "../store-access.js";

type Statistic = ReturnType<typeof statisticSchema.parse>;

function parsePeriod(v: string): number {
  let s: number;
  try {
    s = parseDuration(v);
  } catch {
    throw new UsageError(`--period "${v}" is not a duration (60, 5m, 1h)`);
  }
  if (!(s === 10 || s === 30 || (s >= 60 && s % 60 === 0)))
    throw new UsageError(`--period must be 10, 30 or a multiple of 60 seconds, not ${s}`);
  return s;
}

function parseDimensions(list: string[] = []): Record<string, string> {
  const dims: Record<string, string> = {};
  for (const d of list) {
    const i = d.indexOf("=");
    if (i <= 0) throw new UsageError(`--dimension "${d}" must be NAME=VALUE`);
    dims[d.slice(0, i)] = d.slice(i + 1);
  }
  return dims;
}

function parseStatistics(list: string[] | undefined): Statistic[] {
  return (list?.length ? list : ["Sum"]).map((s) => {
    const r = statisticSchema.safeParse(s);
    if (!r.success)
      throw new UsageError(`--statistic "${s}" is not one of ${statisticSchema.options.join(", ")}`);
    return r.data;
  });
}

export function registerMetrics(program: Command): void {
  const metrics = program.command("metrics").description("metrics produced by metric filters");

  metrics
    .command("get")
    .argument("<namespace>", "metric namespace")
    .argument("<name>", "metric name")
    .description("statistics of a metric per period")
    .option("-c, --config <file>", "config file (its data_dir holds the store)")
    .option("--data-dir <dir>", "read this data directory instead of the config's")
    .option("--start <time>", "from (ms epoch, ISO 8601, or a duration ago like 3h)", "3h")
    .option("--end <time>", "until, exclusive (default now)")
    .option("--statistic <s...>", "Sum, Average, Minimum, Maximum, SampleCount (repeatable)")
    .option("--period <p>", "10, 30 or a multiple of 60 seconds (60, 5m)", "60")
    .option("--dimension <k=v...>", "the metric's dimensions (repeatable)")
    .option("--json", 'one object {"Label","Datapoints":[{"Timestamp","Sum",...,"Unit"}]}')
    .action(
      async (
        namespace: string,
        name: string,
        o: {
          config?: string;
          dataDir?: string;
          start: string;
          end?: string;
          statistic?: string[];
          period: string;
          dimension?: string[];
          json?: boolean;
        },
      ) => {
        const now = systemClock.now();
        const start = parseTimeArg(o.start, "--start", now);
        const end = o.end !== undefined ? parseTimeArg(o.end, "--end", now) : now;
        const period = parsePeriod(o.period);
        const statistics = parseStatistics(o.statistic);
        const dimensions = parseDimensions(o.dimension);
        await withStore(o, async (store) => {
          const points = await store.metrics.statistics({ namespace, name, dimensions, start, end, period });
          if (o.json) {
            const Datapoints = points.map((p) => ({
              Timestamp: new Date(p.timestamp).toISOString(),
              ...Object.fromEntries(statistics.map((s) => [s, statisticValue(p, s)])),
              Unit: p.unit ?? "None",
            }));
            process.stdout.write(`${JSON.stringify({ Label: name, Datapoints })}\n`);
            return;
          }
          process.stdout.write(
            `${["TIMESTAMP".padEnd(24), ...statistics.map((s) => s.padStart(12))].join("  ")}\n`,
          );
          for (const p of points)
            process.stdout.write(
              `${[isoTime(p.timestamp).padEnd(24), ...statistics.map((s) => String(statisticValue(p, s)).padStart(12))].join("  ")}\n`,
            );
        });
      },
    );

  metrics
    .command("list")
    .argument("[namespace]", "only this namespace")
    .description("known metrics (namespace, name, dimensions)")
    .option("-c, --config <file>", "config file")
    .option("--data-dir <dir>", "data directory")
    .option("--json", "JSON lines")
    .action(
      async (namespace: string | undefined, o: { config?: string; dataDir?: string; json?: boolean }) => {
        await withStore(o, async (store) => {
          for (const m of await store.metrics.list(namespace)) {
            const dims = Object.entries(m.dimensions)
              .map(([k, v]) => `${printable(k)}=${printable(v)}`)
              .join(",");
            process.stdout.write(
              o.json
                ? `${JSON.stringify({ Namespace: m.namespace, MetricName: m.name, Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })) })}\n`
                : `${printable(m.namespace)}\t${printable(m.name)}${dims ? `\t${dims}` : ""}\n`,
            );
          }
        });
      },
    );
}
