/**
 * Metric filters: each is compiled once; `extract` turns a batch of events into metric points inside the
 * ingest transaction (pure apart from counters and the minutes already given a default, fast: filters
 * are indexed by log group).
 *
 * `default` follows CloudWatch's definition ("the value reported to the metric filter during a period when
 * logs are ingested but no matching logs are found", Logs user guide, metric filter concepts): ONE point
 * per minute of event time in which the group had events and none matched, not one per non-matching event.
 */
import type { MetricFilterConfig } from "../config/schema.js";
import type { LogEvent } from "../core/event.js";
import { type CompiledPattern, compilePattern, selectJsonValue } from "../patterns/index.js";
import { runSteps } from "../pipeline/budget.js";
import type { MetricExtractor } from "../pipeline/pipeline.js";
import type { MetricPoint } from "../store/store.js";

const MINUTE_MS = 60_000;
/** how far back the "minutes already defaulted or matched" memory reaches */
const DEFAULT_MEMORY_MS = 3_600_000;
const MAX_DIMENSION_VALUE = 1024;

/** A number, "$field" (space-delimited) or "$.path" (JSON) as a value getter; undefined = not usable. */
type Getter = (message: string, fields: Record<string, string>) => string | number | undefined;

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** Checks a `value` or dimension reference; returns what is wrong, or undefined. */
export function checkValueRef(ref: string, allowNumber: boolean): string | undefined {
  if (allowNumber && NUMBER.test(ref.trim())) return undefined;
  if (/^\$\.|^\$\[/.test(ref)) return undefined;
  if (/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(ref)) return undefined;
  return allowNumber
    ? `"${ref}" is not a number, a $field (space-delimited patterns) or a $.path (JSON patterns)`
    : `"${ref}" is not a $field (space-delimited patterns) or a $.path (JSON patterns); dimension values come from the event`;
}

function getter(ref: string): Getter {
  const r = ref.trim();
  if (NUMBER.test(r)) {
    const n = Number(r);
    return () => n;
  }
  if (r.startsWith("$.") || r.startsWith("$[")) {
    return (message) => {
      const v = selectJsonValue(message, r);
      return typeof v === "number" || typeof v === "string"
        ? v
        : typeof v === "boolean"
          ? String(v)
          : undefined;
    };
  }
  return (_message, fields) => fields[r];
}

function toNumber(v: string | number | undefined): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (v === undefined || !NUMBER.test(v.trim())) return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : undefined;
}

export type Extracted =
  | { kind: "point"; point: MetricPoint }
  /** matched, but the value was not a number or a dimension field had no value: no point (counted) */
  | { kind: "unusable"; why: string };

export interface CompiledMetricFilter {
  config: MetricFilterConfig;
  pattern: CompiledPattern;
  /** undefined when the event does not match */
  extract(event: LogEvent): Extracted | undefined;
}

export function compileMetricFilter(config: MetricFilterConfig): CompiledMetricFilter {
  const pattern = compilePattern(config.pattern);
  const value = getter(config.metric.value);
  const dims = Object.entries(config.metric.dimensions ?? {}).map(([k, ref]) => [k, getter(ref)] as const);
  const { namespace, name, unit } = config.metric;
  /** the dimensions of every point of a filter without any (one object: none is made per point) */
  const noDimensions: Record<string, string> = Object.freeze({});
  return {
    config,
    pattern,
    extract(event) {
      const fields = pattern.match(event.message);
      if (fields === undefined) return undefined;
      const v = toNumber(value(event.message, fields));
      if (v === undefined) return { kind: "unusable", why: `value ${config.metric.value} is not a number` };
      const dimensions: Record<string, string> = dims.length === 0 ? noDimensions : {};
      for (const [k, get] of dims) {
        const d = get(event.message, fields);
        if (d === undefined || d === "") return { kind: "unusable", why: `dimension ${k} has no value` };
        dimensions[k] = String(d).slice(0, MAX_DIMENSION_VALUE);
      }
      return {
        kind: "point",
        point: { namespace, name, dimensions, timestamp: event.timestamp, value: v, unit },
      };
    },
  };
}

export interface MetricFilterCounters {
  matched: number;
  points: number;
  /** matched events whose value was not numeric (or lacked a dimension field): no point */
  unusable: number;
  defaults: number;
}

/** Every configured metric filter, compiled, indexed by log group. */
export class MetricFilterSet {
  readonly filters: CompiledMetricFilter[];
  readonly counters: MetricFilterCounters = { matched: 0, points: 0, unusable: 0, defaults: 0 };
  private readonly byGroup = new Map<string, CompiledMetricFilter[]>();
  /** groups with a filter whose pattern is not linear (see CompiledPattern.linear): those run under the budget */
  private readonly guarded = new Set<string>();
  /** per filter with a default: minutes that already got a default or a match */
  private readonly settled = new Map<CompiledMetricFilter, Map<number, true>>();

  constructor(configs: readonly MetricFilterConfig[]) {
    this.filters = configs.map(compileMetricFilter);
    for (const f of this.filters) {
      const list = this.byGroup.get(f.config.group) ?? [];
      list.push(f);
      this.byGroup.set(f.config.group, list);
      if (!f.pattern.linear) this.guarded.add(f.config.group);
      if (f.config.metric.default !== undefined) this.settled.set(f, new Map());
    }
  }

  forGroup(group: string): readonly CompiledMetricFilter[] {
    return this.byGroup.get(group) ?? [];
  }

  /** The filters that produce the metric namespace/name (any dimensions). */
  feeding(namespace: string, name: string): CompiledMetricFilter[] {
    return this.filters.filter(
      (f) => f.config.metric.namespace === namespace && f.config.metric.name === name,
    );
  }

  /**
   * The MetricExtractor the pipeline runs inside its ingest transaction. Each (event, filter) pair is one
   * step; with a budget, a pair that exceeds it is skipped (that filter misses that line) and reported.
   */
  readonly extract: MetricExtractor = (events, budget) => {
    const points: MetricPoint[] = [];
    if (this.filters.length === 0) return points;
    const minutes = new Map<CompiledMetricFilter, Map<number, boolean>>();
    let i = 0;
    let j = 0;
    const step = (): boolean => {
      for (; i < events.length; i++, j = 0) {
        const filters = this.byGroup.get(events[i].group);
        if (filters && j < filters.length) {
          this.extractOne(filters[j], events[i], points, minutes);
          j++;
          return true;
        }
      }
      return false;
    };
    // no watchdog (a thread started and joined, ~150 µs) for a batch no slow pattern looks at
    if (!budget || !events.some((e) => this.guarded.has(e.group))) while (step());
    else
      runSteps(
        budget.ms,
        step,
        (ms) => {
          const e = events[i];
          const f = this.byGroup.get(e.group)![j];
          budget.overBudget({
            part: "metric-filters",
            filter: f.config.name,
            group: e.group,
            stream: e.stream,
            lineLength: e.message.length,
            ms: Math.round(ms),
            budgetMs: budget.ms,
          });
          j++;
        },
        budget.retries,
      );
    for (const [f, m] of minutes) this.addDefaults(f, m, points);
    return points;
  };

  private extractOne(
    f: CompiledMetricFilter,
    e: LogEvent,
    points: MetricPoint[],
    minutes: Map<CompiledMetricFilter, Map<number, boolean>>,
  ): void {
    const r = f.extract(e);
    if (this.settled.has(f)) {
      let m = minutes.get(f);
      if (!m) {
        m = new Map();
        minutes.set(f, m);
      }
      const minute = Math.floor(e.timestamp / MINUTE_MS) * MINUTE_MS;
      if (r !== undefined) m.set(minute, true);
      else if (!m.has(minute)) m.set(minute, false);
    }
    if (r === undefined) return;
    this.counters.matched++;
    if (r.kind === "point") {
      points.push(r.point);
      this.counters.points++;
    } else this.counters.unusable++;
  }

  private addDefaults(f: CompiledMetricFilter, seen: Map<number, boolean>, out: MetricPoint[]): void {
    const settled = this.settled.get(f)!;
    const { namespace, name, unit, default: value } = f.config.metric;
    let newest = 0;
    for (const [minute, matched] of seen) {
      newest = Math.max(newest, minute);
      if (settled.has(minute)) continue;
      settled.set(minute, true);
      if (matched) continue;
      out.push({ namespace, name, dimensions: {}, timestamp: minute, value: value!, unit });
      this.counters.defaults++;
    }
    for (const minute of settled.keys()) if (minute < newest - DEFAULT_MEMORY_MS) settled.delete(minute);
  }
}

export function compileMetricFilters(configs: readonly MetricFilterConfig[]): MetricFilterSet {
  return new MetricFilterSet(configs);
}
