/**
 * A bounded substring search over a group's events, done inside SQLite: the web API's log search hands
 * over the literal texts a filter pattern requires (`"Invalid user" admin` needs both), SQLite reads at
 * most `scanLimit` events in event order and returns the ones containing every text. Reading in C is
 * about 10x faster than handing each event to JavaScript, and the bound keeps one page's cost fixed.
 */
import type { StoredEvent } from "../../core/event.js";
import type { EventSearch, EventSearchResult } from "../store.js";
import type { Db } from "./db.js";
import { pushEventRange } from "./event-range.js";

interface Row {
  id: number;
  ts: number;
  ingest: number;
  message: string;
  stream: string;
}

function scanSql(q: EventSearch, args: unknown[]): string {
  const where = ["e.group_id = (SELECT id FROM log_groups WHERE name = ?)"];
  args.push(q.group);
  pushEventRange(q, where, args);
  if (q.streams && q.streams.length > 0) {
    where.push(
      `e.stream_id IN (SELECT s.id FROM log_streams s JOIN log_groups g ON g.id = s.group_id WHERE g.name = ? AND s.name IN (${q.streams.map(() => "?").join(",")}))`,
    );
    args.push(q.group, ...q.streams);
  }
  args.push(Math.max(1, Math.floor(q.scanLimit)));
  return `SELECT e.id, e.ts, e.ingest, e.message, e.stream_id FROM events e WHERE ${where.join(" AND ")} ORDER BY e.ts, e.id LIMIT ?`;
}

export function searchEvents(db: Db, q: EventSearch): EventSearchResult {
  const args: unknown[] = [];
  const scan = scanSql(q, args);
  const filters = q.contains.map(() => "instr(x.message, ?) > 0");
  const rows = db
    .prepare<unknown[], Row>(
      `SELECT x.id, x.ts, x.ingest, x.message, s.name AS stream FROM (${scan}) x JOIN log_streams s ON s.id = x.stream_id
       ${filters.length ? `WHERE ${filters.join(" AND ")}` : ""} ORDER BY x.ts, x.id LIMIT ?`,
    )
    .all(...args, ...q.contains, Math.max(1, Math.floor(q.limit)));
  const events: StoredEvent[] = rows.map((r) => ({
    id: r.id,
    group: q.group,
    stream: r.stream,
    timestamp: r.ts,
    ingestTime: r.ingest,
    message: r.message,
  }));
  if (events.length >= q.limit) {
    const last = events[events.length - 1];
    return { events, lastRead: { ts: last.timestamp, id: last.id }, exhausted: false };
  }
  // fewer matches than asked: the scan read to its bound or to the end; where did it stop?
  const keyArgs: unknown[] = [];
  const keys = scanSql(q, keyArgs).replace("e.id, e.ts, e.ingest, e.message, e.stream_id", "e.ts, e.id");
  const end = db
    .prepare<unknown[], { ts: number; id: number; n: number }>(
      `SELECT ts, id, (SELECT count(*) FROM (${keys})) AS n FROM (${keys}) ORDER BY ts DESC, id DESC LIMIT 1`,
    )
    .get(...keyArgs, ...keyArgs);
  if (!end) return { events, exhausted: true };
  return { events, lastRead: { ts: end.ts, id: end.id }, exhausted: end.n < q.scanLimit };
}
