/**
 * Log groups, streams and events. Events come in event-time order, a page at a time, filtered with the
 * CloudWatch filter-pattern language (src/patterns/); a pattern with a syntax error is a 422 that says
 * where. A page ends after `limit` matches or after MAX_SCANNED events read, whichever comes first (as
 * FilterLogEvents does), so a rare term over a big group never holds the server for long: `next` goes on.
 */
import type { Context } from "hono";
import type { StoredEvent } from "../../core/event.js";
import { type CompiledPattern, compilePattern, PatternSyntaxError } from "../../patterns/index.js";
import type { LogGroupInfo, LogStore } from "../../store/store.js";
import type { ApiDeps, ApiEnv } from "../deps.js";
import { ApiError, badRequest } from "../errors.js";
import { type ApiRouter, param, readQuery } from "../router.js";
import { eventsPage, eventsQuery, groupInfo, list, streamInfo } from "../schemas.js";
import { prefilteredPage, requiredTexts } from "../search.js";

export const MAX_SCANNED = 20_000;
const PAGE = 1_000;

export function compileOr422(pattern: string | undefined): CompiledPattern | undefined {
  if (pattern === undefined || pattern.trim() === "") return undefined;
  try {
    return compilePattern(pattern);
  } catch (err) {
    if (err instanceof PatternSyntaxError)
      throw new ApiError(422, "pattern_syntax", err.message, {
        line: err.line,
        col: err.col,
        offset: err.offset,
        reason: err.reason,
      });
    throw err;
  }
}

export function eventJson(e: StoredEvent) {
  return {
    eventId: String(e.id),
    timestamp: e.timestamp,
    ingestionTime: e.ingestTime,
    logStreamName: e.stream,
    message: e.message,
  };
}

type Cursor = { ts: number; id: number };

function encodeNext(k: Cursor): string {
  return Buffer.from(`${k.ts}.${k.id}`).toString("base64url");
}

export function decodeNext(s: string): Cursor {
  const m = /^(-?\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(s, "base64url").toString());
  if (!m) throw badRequest("next is not a token this API gave out");
  return { ts: Number(m[1]), id: Number(m[2]) };
}

/**
 * One page of matching events: up to limit matches, reading at most MAX_SCANNED events here — or, for a
 * term pattern on a store with `search`, SQL_SCAN_LIMIT events inside the store (search.ts).
 */
export async function searchEvents(
  logs: Pick<LogStore, "query" | "search">,
  q: { group: string; streams?: string[]; start?: number; end?: number; limit: number; after?: Cursor },
  pattern: CompiledPattern | undefined,
) {
  const texts = pattern && logs.search ? requiredTexts(pattern.source) : [];
  if (pattern && logs.search && texts.length > 0) {
    const page = await prefilteredPage(logs.search.bind(logs), q, texts, pattern);
    const next = !page.done && page.cursor ? encodeNext(page.cursor) : null;
    return { events: page.events, next, scanned: page.examined };
  }
  const out: StoredEvent[] = [];
  let cursor = q.after;
  let scanned = 0;
  // small reads first (a common pattern fills its page from the first few hundred events), growing
  let size = Math.min(PAGE, Math.max(100, q.limit * 2));
  for (;;) {
    const page = await logs.query({
      group: q.group,
      streams: q.streams,
      start: cursor ? Math.max(cursor.ts, q.start ?? cursor.ts) : q.start,
      end: q.end,
      afterKey: cursor,
      limit: size,
    });
    for (const e of page) {
      scanned++;
      cursor = { ts: e.timestamp, id: e.id };
      if (!pattern || pattern.match(e.message) !== undefined) out.push(e);
      if (out.length >= q.limit || scanned >= MAX_SCANNED) {
        const more = page.length === size || e !== page[page.length - 1];
        return { events: out, next: more && cursor ? encodeNext(cursor) : null, scanned };
      }
    }
    if (page.length < size) return { events: out, next: null, scanned };
    size = Math.min(PAGE, size * 2);
  }
}

/**
 * The store counts each group's events and bytes by reading them all (seconds per million events, and
 * SQLite blocks the daemon meanwhile), so the answer is kept for a minute: a dashboard that polls does
 * not stall ingestion.
 */
const GROUPS_TTL_MS = 60_000;

export function logRoutes(r: ApiRouter, deps: ApiDeps): void {
  let cached: { at: number; value: LogGroupInfo[] } | undefined;
  const groups = async () => {
    const now = deps.clock.now();
    if (!cached || now - cached.at >= GROUPS_TTL_MS || now < cached.at)
      cached = { at: now, value: await deps.store.logs.groups() };
    return cached.value;
  };

  r.add(
    {
      method: "GET",
      path: "/api/v1/logs/groups",
      access: "viewer",
      summary: "log groups (their counts are at most a minute old)",
      response: list(groupInfo, "groups"),
    },
    async (c) => c.json({ groups: await groups() }),
  );
  r.add(
    {
      method: "GET",
      path: "/api/v1/logs/groups/:group/streams",
      access: "viewer",
      summary: "the streams of a group (the group name URL-encoded: mamori%2Fbans)",
      response: list(streamInfo, "streams"),
    },
    async (c) => {
      const streams = await deps.store.logs.streams(param(c, "group"));
      return c.json({ streams: streams.map(({ group: _, ...s }) => s) });
    },
  );
  r.add(
    {
      method: "GET",
      path: "/api/v1/logs/events",
      access: "viewer",
      summary: "events of a group in event-time order, filtered by a filter pattern, paged with next",
      query: eventsQuery,
      response: eventsPage,
    },
    async (c: Context<ApiEnv>) => {
      const q = readQuery(c, eventsQuery);
      const pattern = compileOr422(q.pattern);
      const page = await searchEvents(
        deps.store.logs,
        {
          group: q.group,
          streams: q.stream ? [q.stream] : undefined,
          start: q.start,
          end: q.end,
          limit: q.limit,
          after: q.next ? decodeNext(q.next) : undefined,
        },
        pattern,
      );
      return c.json({ events: page.events.map(eventJson), next: page.next, scanned: page.scanned });
    },
  );
}
