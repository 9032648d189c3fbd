/** Log groups, streams, events and source checkpoints in SQLite. */
import type { LogEvent, StoredEvent } from "../../core/event.js";
import { LruMap } from "../../core/lru.js";
import type {
  Checkpoint,
  EventQuery,
  EventSearch,
  EventSearchResult,
  IngestBatch,
  LogGroupInfo,
  LogStore,
  LogStreamInfo,
  MetricPoint,
} from "../store.js";
import type { Db } from "./db.js";
import { pushEventRange } from "./event-range.js";
import { searchEvents } from "./log-search.js";

export const logsSchema = [
  `CREATE TABLE IF NOT EXISTS log_groups (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     retention_days INTEGER,
     created_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS log_streams (
     id INTEGER PRIMARY KEY,
     group_id INTEGER NOT NULL REFERENCES log_groups(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     first_ts INTEGER,
     last_ts INTEGER,
     last_ingest INTEGER,
     UNIQUE (group_id, name))`,
  `CREATE TABLE IF NOT EXISTS events (
     id INTEGER PRIMARY KEY,
     group_id INTEGER NOT NULL,
     stream_id INTEGER NOT NULL,
     ts INTEGER NOT NULL,
     ingest INTEGER NOT NULL,
     message TEXT NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS events_by_group_time ON events (group_id, ts)",
  // per-stream counts (`logs streams`); created on open for databases written before it existed
  "CREATE INDEX IF NOT EXISTS events_by_stream ON events (stream_id)",
  `CREATE TABLE IF NOT EXISTS checkpoints (
     source TEXT NOT NULL,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY (source, key)) WITHOUT ROWID`,
];

/** The streams of a group with their counts; the count per stream is served by events_by_stream. */
export const STREAMS_SQL = `SELECT g.name AS "group", s.name, s.first_ts AS firstEventTimestamp, s.last_ts AS lastEventTimestamp,
    s.last_ingest AS lastIngestionTime, (SELECT count(*) FROM events e WHERE e.stream_id = s.id) AS storedEvents
  FROM log_streams s JOIN log_groups g ON g.id = s.group_id WHERE g.name = ? ORDER BY s.name`;

/** rows per INSERT statement: fewer calls into SQLite per event (5 parameters a row, well under the limit) */
const INSERT_CHUNK = 100;

/**
 * Rows in the next INSERT of `left` rows: INSERT_CHUNK, and the rest in powers of two (a statement
 * prepared for every size from 1 to 99 cost more to compile than it saved).
 */
function chunkSize(left: number): number {
  return left >= INSERT_CHUNK ? INSERT_CHUNK : 2 ** Math.floor(Math.log2(left));
}

type Statement = ReturnType<Db["prepare"]>;

interface EventRow {
  id: number;
  ts: number;
  ingest: number;
  message: string;
  stream: string;
  grp: string;
}

interface StreamStats {
  id: number;
  first: number;
  last: number;
  ingest: number;
}

/** Streams a log group may have; events of further streams go to OVERFLOW_STREAM. */
export const MAX_STREAMS_PER_GROUP = 10_000;
/** where the events of streams beyond a group's limit are stored (their own stream name is dropped) */
export const OVERFLOW_STREAM = "_overflow";
/** stream ids kept in memory (least recently used dropped first); a miss is one indexed lookup */
export const STREAM_CACHE_SIZE = 4_096;

export interface LogStoreOptions {
  /** default MAX_STREAMS_PER_GROUP */
  maxStreamsPerGroup?: number;
  /** called once per group, when its first event is sent to OVERFLOW_STREAM */
  onStreamOverflow?: (group: string, stream: string, max: number) => void;
}

/** A stream as events are stored into it: the overflow stream once its group is full. */
interface StreamRef {
  id: number;
  name: string;
}

/** Writes the metric points of a batch inside the same transaction (provided by the metrics store). */
export type MetricWriter = (points: readonly MetricPoint[]) => void;

export class SqliteLogStore implements LogStore {
  private readonly groupIds = new Map<string, number>();
  private readonly streamIds = new LruMap<string, StreamRef>(STREAM_CACHE_SIZE);
  /**
   * The stream the last event went to: a batch is mostly one stream, and the cache's lookup (a key built,
   * a Map entry moved to the young end) was a tenth of storing an event
   */
  private lastStream?: { groupId: number; group: string; name: string; ref: StreamRef };
  /** streams per group id, counted once from the table and then kept up to date */
  private readonly streamCounts = new Map<number, number>();
  private readonly overflowReported = new Set<string>();
  private readonly maxStreams: number;
  private readonly onStreamOverflow: NonNullable<LogStoreOptions["onStreamOverflow"]>;
  /** events stored in OVERFLOW_STREAM instead of their own (new) stream */
  readonly counters = { stream_overflow_events: 0 };
  private readonly stmts;
  private readonly insertBySize = new Map<number, Statement>();
  private readonly insertChunk: Statement;
  private readonly ingestTx: (batch: IngestBatch) => StoredEvent[];

  constructor(
    private readonly db: Db,
    writeMetrics: MetricWriter,
    private readonly onRollback: () => void = () => {},
    opts: LogStoreOptions = {},
  ) {
    this.maxStreams = opts.maxStreamsPerGroup ?? MAX_STREAMS_PER_GROUP;
    this.onStreamOverflow = opts.onStreamOverflow ?? (() => {});
    this.stmts = {
      groupByName: db.prepare<[string], { id: number }>("SELECT id FROM log_groups WHERE name = ?"),
      insertGroup: db.prepare(
        "INSERT INTO log_groups (name, retention_days, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
      ),
      setRetention: db.prepare("UPDATE log_groups SET retention_days = ? WHERE name = ?"),
      streamByName: db.prepare<[number, string], { id: number }>(
        "SELECT id FROM log_streams WHERE group_id = ? AND name = ?",
      ),
      insertStream: db.prepare("INSERT INTO log_streams (group_id, name) VALUES (?, ?)"),
      countStreams: db.prepare<[number], { n: number }>(
        "SELECT count(*) AS n FROM log_streams WHERE group_id = ?",
      ),
      updateStream: db.prepare(
        `UPDATE log_streams SET first_ts = min(coalesce(first_ts, @first), @first), last_ts = max(coalesce(last_ts, @last), @last),
         last_ingest = max(coalesce(last_ingest, @ingest), @ingest) WHERE id = @id`,
      ),
      insertEvent: db.prepare(
        "INSERT INTO events (group_id, stream_id, ts, ingest, message) VALUES (?, ?, ?, ?, ?)",
      ),
      putCheckpoint: db.prepare(
        "INSERT INTO checkpoints (source, key, value) VALUES (?, ?, ?) ON CONFLICT (source, key) DO UPDATE SET value = excluded.value",
      ),
      getCheckpoint: db.prepare<[string, string], { value: string }>(
        "SELECT value FROM checkpoints WHERE source = ? AND key = ?",
      ),
      listCheckpoints: db.prepare<[string], Checkpoint>(
        "SELECT source, key, value FROM checkpoints WHERE source = ? ORDER BY key",
      ),
      deleteCheckpoint: db.prepare("DELETE FROM checkpoints WHERE source = ? AND key = ?"),
    };
    this.insertChunk = this.insertRows(INSERT_CHUNK);
    this.ingestTx = db.transaction((batch: IngestBatch) => {
      const stored = this.insertEvents(batch.events);
      for (const c of batch.checkpoints) this.stmts.putCheckpoint.run(c.source, c.key, c.value);
      if (batch.metricPoints.length > 0) writeMetrics(batch.metricPoints);
      return stored;
    });
  }

  async ensureGroup(name: string, retentionDays: number | null, now: number): Promise<void> {
    this.stmts.insertGroup.run(name, retentionDays, now);
    this.stmts.setRetention.run(retentionDays, name);
    this.groupId(name, now);
  }

  async ingest(batch: IngestBatch): Promise<StoredEvent[]> {
    try {
      return this.ingestTx(batch);
    } catch (err) {
      // ids cached during a rolled-back transaction may name rows that were never committed
      this.groupIds.clear();
      this.streamIds.clear();
      this.lastStream = undefined;
      this.streamCounts.clear();
      this.onRollback();
      throw err;
    }
  }

  private insertEvents(events: readonly LogEvent[]): StoredEvent[] {
    const n = events.length;
    const stored: StoredEvent[] = new Array(n);
    const params: unknown[] = new Array(INSERT_CHUNK * 5);
    const touched = new Map<number, StreamStats>();
    const streamNames: string[] = new Array(INSERT_CHUNK);
    let i = 0;
    while (i < n) {
      const size = chunkSize(n - i);
      const stmt = size === INSERT_CHUNK ? this.insertChunk : this.insertRows(size);
      if (size !== INSERT_CHUNK) params.length = size * 5;
      for (let k = 0; k < size; k++) {
        const e = events[i + k];
        const gid = this.groupId(e.group, e.ingestTime);
        const stream = this.stream(gid, e.group, e.stream);
        const sid = stream.id;
        streamNames[k] = stream.name;
        if (stream.name !== e.stream) this.counters.stream_overflow_events++;
        const p = k * 5;
        params[p] = gid;
        params[p + 1] = sid;
        params[p + 2] = e.timestamp;
        params[p + 3] = e.ingestTime;
        params[p + 4] = e.message;
        const s = touched.get(sid);
        if (!s) touched.set(sid, { id: sid, first: e.timestamp, last: e.timestamp, ingest: e.ingestTime });
        else {
          if (e.timestamp < s.first) s.first = e.timestamp;
          if (e.timestamp > s.last) s.last = e.timestamp;
          if (e.ingestTime > s.ingest) s.ingest = e.ingestTime;
        }
      }
      // one writer inside one transaction: the rows of a multi-row INSERT get consecutive rowids
      // spread: better-sqlite3 reads arguments directly, but an array's elements one property lookup at a time
      const last = Number(stmt.run(...params).lastInsertRowid);
      for (let k = 0; k < size; k++) {
        const e = events[i + k];
        stored[i + k] = {
          id: last - size + 1 + k,
          group: e.group,
          stream: streamNames[k],
          timestamp: e.timestamp,
          ingestTime: e.ingestTime,
          message: e.message,
        };
      }
      i += size;
    }
    for (const s of touched.values()) this.stmts.updateStream.run(s);
    return stored;
  }

  private insertRows(size: number): Statement {
    let stmt = this.insertBySize.get(size);
    if (!stmt) {
      // OR FAIL, not the default ABORT: an ABORT statement of several rows keeps a statement journal
      // (each page it touches copied first, to undo its earlier rows: a quarter of an insert's time),
      // and a failed row fails the ingest, whose transaction (or savepoint) is rolled back whole anyway
      stmt = this.db.prepare(
        `INSERT OR FAIL INTO events (group_id, stream_id, ts, ingest, message) VALUES ${Array(size).fill("(?, ?, ?, ?, ?)").join(", ")}`,
      );
      this.insertBySize.set(size, stmt);
    }
    return stmt;
  }

  private groupId(name: string, now: number): number {
    const known = this.groupIds.get(name);
    if (known !== undefined) return known;
    let row = this.stmts.groupByName.get(name);
    if (!row) {
      this.stmts.insertGroup.run(name, null, now);
      row = this.stmts.groupByName.get(name)!;
    }
    this.groupIds.set(name, row.id);
    return row.id;
  }

  /** The stream an event is stored in: its own, or the group's overflow stream once the group is full. */
  private stream(groupId: number, group: string, name: string): StreamRef {
    const last = this.lastStream;
    if (last !== undefined && last.name === name && last.groupId === groupId && last.group === group)
      return last.ref;
    const ref = this.lookUpStream(groupId, group, name);
    this.lastStream = { groupId, group, name, ref };
    return ref;
  }

  private lookUpStream(groupId: number, group: string, name: string): StreamRef {
    const key = `${group}\u0000${name}`;
    const known = this.streamIds.get(key);
    if (known !== undefined) return known;
    const row = this.stmts.streamByName.get(groupId, name);
    if (row) {
      const ref = { id: row.id, name };
      this.streamIds.set(key, ref);
      return ref;
    }
    if (name !== OVERFLOW_STREAM && this.streamCount(groupId) >= this.maxStreams) {
      // not cached: a flood of new names would push the group's real streams out of the cache
      if (!this.overflowReported.has(group)) {
        this.overflowReported.add(group);
        this.onStreamOverflow(group, name, this.maxStreams);
      }
      return this.lookUpStream(groupId, group, OVERFLOW_STREAM);
    }
    this.stmts.insertStream.run(groupId, name);
    this.streamCounts.set(groupId, this.streamCount(groupId) + 1);
    const ref = { id: this.stmts.streamByName.get(groupId, name)!.id, name };
    this.streamIds.set(key, ref);
    return ref;
  }

  private streamCount(groupId: number): number {
    let n = this.streamCounts.get(groupId);
    if (n === undefined) {
      n = this.stmts.countStreams.get(groupId)!.n;
      this.streamCounts.set(groupId, n);
    }
    return n;
  }

  async getCheckpoint(source: string, key: string): Promise<string | undefined> {
    return this.stmts.getCheckpoint.get(source, key)?.value;
  }

  async listCheckpoints(source: string): Promise<Checkpoint[]> {
    return this.stmts.listCheckpoints.all(source);
  }

  async deleteCheckpoint(source: string, key: string): Promise<void> {
    this.stmts.deleteCheckpoint.run(source, key);
  }

  async query(q: EventQuery): Promise<StoredEvent[]> {
    const where = ["g.name = ?"];
    const args: unknown[] = [q.group];
    pushEventRange(q, where, args);
    if (q.afterId !== undefined) {
      where.push("e.id > ?");
      args.push(q.afterId);
    }
    if (q.streams && q.streams.length > 0) {
      where.push(`s.name IN (${q.streams.map(() => "?").join(",")})`);
      args.push(...q.streams);
    }
    const limit = q.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(q.limit))}` : "";
    const rows = this.db
      .prepare<unknown[], EventRow>(
        `SELECT e.id, e.ts, e.ingest, e.message, s.name AS stream, g.name AS grp
         FROM events e JOIN log_groups g ON g.id = e.group_id JOIN log_streams s ON s.id = e.stream_id
         WHERE ${where.join(" AND ")} ORDER BY ${q.orderById ? "e.id" : "e.ts, e.id"}${limit}`,
      )
      .all(...args);
    return rows.map(toStored);
  }

  async search(q: EventSearch): Promise<EventSearchResult> {
    return searchEvents(this.db, q);
  }

  async latest(group: string, limit: number): Promise<StoredEvent[]> {
    const rows = this.db
      .prepare<[string, number], EventRow>(
        `SELECT e.id, e.ts, e.ingest, e.message, s.name AS stream, g.name AS grp
         FROM events e JOIN log_groups g ON g.id = e.group_id JOIN log_streams s ON s.id = e.stream_id
         WHERE g.name = ? ORDER BY e.id DESC LIMIT ?`,
      )
      .all(group, limit);
    return rows.reverse().map(toStored);
  }

  async since(afterId: number, limit: number): Promise<StoredEvent[]> {
    return this.db
      .prepare<[number, number], EventRow>(
        `SELECT e.id, e.ts, e.ingest, e.message, s.name AS stream, g.name AS grp
         FROM events e JOIN log_groups g ON g.id = e.group_id JOIN log_streams s ON s.id = e.stream_id
         WHERE e.id > ? ORDER BY e.id LIMIT ?`,
      )
      .all(afterId, limit)
      .map(toStored);
  }

  async countSince(afterId: number): Promise<number> {
    return (
      this.db.prepare<[number], { n: number }>("SELECT count(*) AS n FROM events WHERE id > ?").get(afterId)
        ?.n ?? 0
    );
  }

  async unsentBytes(afterId: number): Promise<number> {
    return (
      this.db
        .prepare<[number], { b: number }>(
          "SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) AS b FROM events WHERE id > ?",
        )
        .get(afterId)?.b ?? 0
    );
  }

  async dropOldest(afterId: number, bytes: number): Promise<number> {
    let freed = 0;
    let cutoff = afterId;
    const page = this.db.prepare<[number], { id: number; n: number }>(
      "SELECT id, length(CAST(message AS BLOB)) AS n FROM events WHERE id > ? ORDER BY id LIMIT 1000",
    );
    while (freed < bytes) {
      const rows = page.all(cutoff);
      if (rows.length === 0) break;
      for (const r of rows) {
        freed += r.n;
        cutoff = r.id;
        if (freed >= bytes) break;
      }
    }
    return this.db.prepare("DELETE FROM events WHERE id > ? AND id <= ?").run(afterId, cutoff).changes;
  }

  async groups(): Promise<LogGroupInfo[]> {
    return this.db
      .prepare<[], LogGroupInfo>(
        `SELECT g.name, g.retention_days AS retentionDays, g.created_at AS createdAt,
           (SELECT count(*) FROM events e WHERE e.group_id = g.id) AS storedEvents,
           (SELECT coalesce(sum(length(CAST(e.message AS BLOB))), 0) FROM events e WHERE e.group_id = g.id) AS storedBytes
         FROM log_groups g ORDER BY g.name`,
      )
      .all();
  }

  async streams(group: string): Promise<LogStreamInfo[]> {
    return this.db.prepare<[string], LogStreamInfo>(STREAMS_SQL).all(group);
  }

  async enforceRetention(now: number, defaultDays: number | null = null): Promise<number> {
    const groups = this.db
      .prepare<[{ d: number | null }], { id: number; retention_days: number }>(
        "SELECT id, coalesce(retention_days, @d) AS retention_days FROM log_groups WHERE coalesce(retention_days, @d) > 0",
      )
      .all({ d: defaultDays });
    let removed = 0;
    const del = this.db.prepare("DELETE FROM events WHERE group_id = ? AND ts < ?");
    for (const g of groups) removed += del.run(g.id, now - g.retention_days * 86_400_000).changes;
    return removed;
  }
}

function toStored(r: EventRow): StoredEvent {
  return {
    id: r.id,
    group: r.grp,
    stream: r.stream,
    timestamp: r.ts,
    ingestTime: r.ingest,
    message: r.message,
  };
}
