/**
 * The shapes the UI reads from /api/v1, and tolerant readers for them: a list may come bare or wrapped
 * ({items}, {alarms}, ...), a log event in AWS's field names or the store's.
 */
import { get, qs } from "./api";

export interface LogEventView {
  id: string;
  timestamp: number;
  ingestionTime?: number;
  stream: string;
  message: string;
  group?: string;
}

export interface EventPage {
  events: LogEventView[];
  next?: string;
}

export interface AlarmView {
  name: string;
  state: string;
  reason: string;
  since?: number;
  evaluatedAt?: number;
  description?: string;
  acknowledged?: { by: string; why?: string; until?: number } | null;
}

export interface BanView {
  jail: string;
  ip: string;
  start: number;
  end: number | null;
  failures: number;
  banCount?: number;
  lines?: string[];
  state?: string;
}

export interface JailView {
  name: string;
  currentlyFailed: number;
  totalFailed: number;
  currentlyBanned: number;
  totalBanned: number;
  [k: string]: unknown;
}

type Obj = Record<string, unknown>;

/** The array in a response: the response itself, or its first array-valued field among `keys`. */
export function listOf<T>(data: unknown, ...keys: string[]): T[] {
  if (Array.isArray(data)) return data as T[];
  if (data && typeof data === "object") {
    const o = data as Obj;
    for (const k of [...keys, "items", "data", "results"]) if (Array.isArray(o[k])) return o[k] as T[];
  }
  return [];
}

const num = (v: unknown): number =>
  typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) || Number(v) : Number.NaN;

export function eventOf(raw: unknown): LogEventView {
  const o = (raw ?? {}) as Obj;
  return {
    id: String(o.eventId ?? o.id ?? ""),
    timestamp: num(o.timestamp),
    ingestionTime:
      o.ingestionTime !== undefined || o.ingestTime !== undefined
        ? num(o.ingestionTime ?? o.ingestTime)
        : undefined,
    stream: String(o.logStreamName ?? o.stream ?? ""),
    message: String(o.message ?? ""),
    group:
      o.logGroupName !== undefined || o.group !== undefined ? String(o.logGroupName ?? o.group) : undefined,
  };
}

export function eventPageOf(raw: unknown): EventPage {
  const o = (raw ?? {}) as Obj;
  const next = o.next ?? o.nextToken ?? o.nextForwardToken;
  return {
    events: listOf(raw, "events").map(eventOf),
    next: typeof next === "string" && next ? next : undefined,
  };
}

export function alarmOf(raw: unknown): AlarmView {
  const o = (raw ?? {}) as Obj;
  const state = o.state && typeof o.state === "object" ? (o.state as Obj) : o;
  return {
    name: String(o.name ?? o.alarm ?? o.AlarmName ?? ""),
    state: String(state.value ?? state.state ?? o.stateValue ?? "INSUFFICIENT_DATA"),
    reason: String(state.reason ?? o.reason ?? o.stateReason ?? ""),
    since: state.since !== undefined ? num(state.since) : undefined,
    evaluatedAt: state.evaluatedAt !== undefined ? num(state.evaluatedAt) : undefined,
    description: typeof o.description === "string" ? o.description : undefined,
    acknowledged: (o.acknowledged ?? o.acknowledgement ?? null) as AlarmView["acknowledged"],
  };
}

export function banOf(raw: unknown): BanView {
  const o = (raw ?? {}) as Obj;
  const end = o.end ?? o.until ?? null;
  return {
    jail: String(o.jail ?? ""),
    ip: String(o.ip ?? ""),
    start: num(o.start),
    end: end === null || end === undefined ? null : num(end),
    failures: Number(o.failures ?? 0),
    banCount: o.banCount === undefined ? undefined : Number(o.banCount),
    lines: Array.isArray(o.lines) ? (o.lines as string[]) : undefined,
    state: typeof o.state === "string" ? o.state : undefined,
  };
}

export function jailOf(raw: unknown): JailView {
  const o = (raw ?? {}) as Obj;
  const n = (...ks: string[]) => {
    for (const k of ks) if (typeof o[k] === "number") return o[k] as number;
    return 0;
  };
  return {
    ...o,
    name: String(o.name ?? o.jail ?? ""),
    currentlyFailed: n("currentlyFailed", "currently_failed"),
    totalFailed: n("totalFailed", "total_failed"),
    currentlyBanned: n("currentlyBanned", "currently_banned", "activeBans"),
    totalBanned: n("totalBanned", "total_banned", "totalBans"),
  };
}

/** Parses a JSON event message (detections are JSON); undefined when it is not an object. */
export function jsonOf(message: string): Obj | undefined {
  if (!message.startsWith("{")) return undefined;
  try {
    const v = JSON.parse(message) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
  } catch {
    return undefined;
  }
}

/** Events of a group in [start, end), at most `limit`, following pages. */
export async function eventsIn(
  group: string,
  opts: { start?: number; end?: number; pattern?: string; limit?: number; stream?: string },
): Promise<LogEventView[]> {
  const want = opts.limit ?? 1000;
  const out: LogEventView[] = [];
  let next: string | undefined;
  do {
    const page = eventPageOf(
      await get(
        `/logs/events${qs({ group, pattern: opts.pattern, start: opts.start, end: opts.end, stream: opts.stream, limit: Math.min(1000, want - out.length), next })}`,
      ),
    );
    out.push(...page.events);
    next = page.next;
  } while (next && out.length < want);
  return out;
}

const DAY_MS = 24 * 3600_000;
const WINDOWS_MS = [3600_000, DAY_MS, 7 * DAY_MS, 30 * DAY_MS, 90 * DAY_MS, 365 * DAY_MS];

/**
 * The newest `n` events of a group, newest first, looking back at most `maxAgeMs`. The API pages forward
 * in time, so this reads windows backwards from now (the last hour, day, week, month) and keeps the last
 * `n` of each, stopping as soon as it has enough: a quiet group costs one small request.
 */
export async function latestEvents(
  group: string,
  n: number,
  now: number,
  maxAgeMs: number,
): Promise<LogEventView[]> {
  const found: LogEventView[] = [];
  let end = now + 60_000;
  for (const span of WINDOWS_MS) {
    const start = Math.max(now - Math.min(span, maxAgeMs), 0);
    if (start >= end) continue;
    const window: LogEventView[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = eventPageOf(await get(`/logs/events${qs({ group, start, end, limit: 1000, next })}`));
      window.push(...page.events);
      if (window.length > n) window.splice(0, window.length - n);
      next = page.next;
    } while (next && ++pages < 20);
    found.unshift(...window);
    if (found.length >= n || span >= maxAgeMs) break;
    end = start;
  }
  return found.slice(-n).reverse();
}
