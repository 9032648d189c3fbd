/**
 * Metric data aggregated on event time. Buckets are 10 seconds wide, so alarms can use 10 s and 30 s
 * periods as well as whole minutes; queries roll buckets up to the asked period.
 */
import type { MetricDatapoint, MetricPoint, MetricQuery, MetricStore } from "../store.js";
import type { Db } from "./db.js";

export const BUCKET_MS = 10_000;

export const metricsSchema = [
  `CREATE TABLE IF NOT EXISTS metrics (
     id INTEGER PRIMARY KEY,
     namespace TEXT NOT NULL,
     name TEXT NOT NULL,
     dimensions TEXT NOT NULL,
     unit TEXT,
     UNIQUE (namespace, name, dimensions))`,
  `CREATE TABLE IF NOT EXISTS metric_data (
     metric_id INTEGER NOT NULL REFERENCES metrics(id) ON DELETE CASCADE,
     bucket INTEGER NOT NULL,
     sum REAL NOT NULL,
     count INTEGER NOT NULL,
     min REAL NOT NULL,
     max REAL NOT NULL,
     PRIMARY KEY (metric_id, bucket)) WITHOUT ROWID`,
];

/** Dimensions as a canonical string (sorted keys), the identity of a metric together with namespace and name. */
export function dimensionKey(dimensions: Record<string, string> | undefined): string {
  if (!dimensions || isEmpty(dimensions)) return "{}";
  const keys = Object.keys(dimensions).sort();
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, dimensions[k]])));
}

/**
 * The same object, or both without keys: a filter without dimensions gives each point an empty object
 * of its own, and the metric's key was built again (a new string) for every point.
 */
function sameDimensionsObject(a: Record<string, string>, b: Record<string, string>): boolean {
  return a === b || (isEmpty(a) && isEmpty(b));
}

/** No own keys (most metric filters have no dimensions: their points skip the sort and JSON of a key). */
function isEmpty(o: Record<string, string>): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return false;
  return true;
}

interface Agg {
  metricKey: string;
  point: MetricPoint;
  bucket: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

export class SqliteMetricStore implements MetricStore {
  private readonly ids = new Map<string, number>();
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      find: db.prepare<[string, string, string], { id: number }>(
        "SELECT id FROM metrics WHERE namespace = ? AND name = ? AND dimensions = ?",
      ),
      insert: db.prepare("INSERT INTO metrics (namespace, name, dimensions, unit) VALUES (?, ?, ?, ?)"),
      upsert: db.prepare(
        `INSERT INTO metric_data (metric_id, bucket, sum, count, min, max) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (metric_id, bucket) DO UPDATE SET sum = sum + excluded.sum, count = count + excluded.count,
           min = min(min, excluded.min), max = max(max, excluded.max)`,
      ),
      range: db.prepare<
        [number, number, number],
        { bucket: number; sum: number; count: number; min: number; max: number }
      >(
        "SELECT bucket, sum, count, min, max FROM metric_data WHERE metric_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket",
      ),
      unit: db.prepare<[number], { unit: string | null }>("SELECT unit FROM metrics WHERE id = ?"),
    };
  }

  /** Adds points to their buckets; runs inside the ingest transaction. */
  readonly write = (points: readonly MetricPoint[]): void => {
    // metric key → bucket → sum; a run of points of one metric (one filter's) builds its key once
    const aggs = new Map<string, Map<number, Agg>>();
    let last: MetricPoint | undefined;
    let lastKey = "";
    let buckets: Map<number, Agg> | undefined;
    for (const p of points) {
      if (!Number.isFinite(p.value)) continue;
      if (
        last === undefined ||
        p.namespace !== last.namespace ||
        p.name !== last.name ||
        !sameDimensionsObject(p.dimensions, last.dimensions)
      ) {
        const metricKey = `${p.namespace}\u0000${p.name}\u0000${dimensionKey(p.dimensions)}`;
        if (metricKey !== lastKey) {
          lastKey = metricKey;
          buckets = aggs.get(metricKey);
          if (!buckets) {
            buckets = new Map();
            aggs.set(metricKey, buckets);
          }
        }
        last = p;
      }
      const bucket = Math.floor(p.timestamp / BUCKET_MS) * BUCKET_MS;
      const a = buckets!.get(bucket);
      if (!a)
        buckets!.set(bucket, {
          metricKey: lastKey,
          point: p,
          bucket,
          sum: p.value,
          count: 1,
          min: p.value,
          max: p.value,
        });
      else {
        a.sum += p.value;
        a.count++;
        if (p.value < a.min) a.min = p.value;
        if (p.value > a.max) a.max = p.value;
      }
    }
    for (const byBucket of aggs.values())
      for (const a of byBucket.values()) {
        const id = this.metricId(a.metricKey, a.point, true)!;
        this.stmts.upsert.run(id, a.bucket, a.sum, a.count, a.min, a.max);
      }
  };

  /** Forgets cached ids (after a rolled-back transaction). */
  readonly forgetIds = (): void => {
    this.ids.clear();
  };

  private metricId(
    metricKey: string,
    p: Pick<MetricPoint, "namespace" | "name" | "dimensions" | "unit">,
    create: boolean,
  ): number | undefined {
    const known = this.ids.get(metricKey);
    if (known !== undefined) return known;
    const dims = dimensionKey(p.dimensions);
    let row = this.stmts.find.get(p.namespace, p.name, dims);
    if (!row) {
      if (!create) return undefined;
      this.stmts.insert.run(p.namespace, p.name, dims, p.unit ?? null);
      row = this.stmts.find.get(p.namespace, p.name, dims)!;
    }
    this.ids.set(metricKey, row.id);
    return row.id;
  }

  async statistics(q: MetricQuery): Promise<MetricDatapoint[]> {
    const metricKey = `${q.namespace}\u0000${q.name}\u0000${dimensionKey(q.dimensions)}`;
    const id = this.metricId(
      metricKey,
      { namespace: q.namespace, name: q.name, dimensions: q.dimensions ?? {} },
      false,
    );
    if (id === undefined) return [];
    const periodMs = q.period * 1000;
    const unit = this.stmts.unit.get(id)?.unit ?? undefined;
    const out = new Map<number, MetricDatapoint>();
    for (const r of this.stmts.range.all(id, q.start, q.end)) {
      const ts = Math.floor(r.bucket / periodMs) * periodMs;
      const d = out.get(ts);
      if (!d)
        out.set(ts, {
          timestamp: ts,
          sum: r.sum,
          sampleCount: r.count,
          minimum: r.min,
          maximum: r.max,
          unit,
        });
      else {
        d.sum += r.sum;
        d.sampleCount += r.count;
        d.minimum = Math.min(d.minimum, r.min);
        d.maximum = Math.max(d.maximum, r.max);
      }
    }
    return [...out.values()].sort((a, b) => a.timestamp - b.timestamp);
  }

  async list(
    namespace?: string,
  ): Promise<Array<{ namespace: string; name: string; dimensions: Record<string, string> }>> {
    const rows = this.db
      .prepare<unknown[], { namespace: string; name: string; dimensions: string }>(
        `SELECT namespace, name, dimensions FROM metrics ${namespace ? "WHERE namespace = ?" : ""} ORDER BY namespace, name, dimensions`,
      )
      .all(...(namespace ? [namespace] : []));
    return rows.map((r) => ({ namespace: r.namespace, name: r.name, dimensions: JSON.parse(r.dimensions) }));
  }
}
