/**
 * The SQLite fast path of the event search: a term pattern's required texts (`"Invalid user" admin` needs
 * both) go to the store as a substring prefilter, so SQLite skips non-candidates in C; each candidate is
 * still matched by the compiled pattern here (excluded `-terms`, regex terms). One page reads at most
 * SQL_SCAN_LIMIT events, then answers with what it found and a `next` that goes on.
 */
import type { StoredEvent } from "../core/event.js";
import { type CompiledPattern, parsePattern } from "../patterns/index.js";
import type { EventSearch, LogStore } from "../store/store.js";

export const SQL_SCAN_LIMIT = 200_000;

type Cursor = { ts: number; id: number };

/** The texts every match contains, for a term pattern without `?` alternatives; [] when there is none. */
export function requiredTexts(source: string): string[] {
  const ast = parsePattern(source);
  if (ast.kind !== "term" || ast.terms.some((t) => t.mode === "any")) return [];
  return ast.terms.filter((t) => t.mode === "all" && !t.regex && t.text).map((t) => t.text as string);
}

export async function prefilteredPage(
  search: NonNullable<LogStore["search"]>,
  q: Omit<EventSearch, "contains" | "scanLimit" | "afterKey"> & { after?: Cursor },
  contains: string[],
  pattern: CompiledPattern,
): Promise<{ events: StoredEvent[]; cursor?: Cursor; done: boolean; examined: number }> {
  const out: StoredEvent[] = [];
  let cursor = q.after;
  let examined = 0;
  // candidates that fail the full match (a `-term`) cost a round; a few rounds, then the page ends
  for (let round = 0; round < 5; round++) {
    const want = q.limit - out.length;
    const r = await search({
      group: q.group,
      streams: q.streams,
      start: cursor ? Math.max(cursor.ts, q.start ?? cursor.ts) : q.start,
      end: q.end,
      afterKey: cursor,
      contains,
      limit: want,
      scanLimit: SQL_SCAN_LIMIT,
    });
    for (const e of r.events) {
      examined++;
      cursor = { ts: e.timestamp, id: e.id };
      if (pattern.match(e.message) !== undefined) out.push(e);
      if (out.length >= q.limit) return { events: out, cursor, done: false, examined };
    }
    if (r.events.length < want) {
      // the scan stopped at its bound or at the end of the range
      return { events: out, cursor: r.lastRead ?? cursor, done: r.exhausted, examined };
    }
  }
  return { events: out, cursor, done: false, examined };
}
