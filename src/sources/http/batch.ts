/**
 * The body of `POST /v1/logs/{group}/{stream}`, checked whole before anything is stored (PutLogEvents'
 * shape: {"events":[{"timestamp": ms, "message": "..."}]}). An error names the first bad place.
 */
import { MAX_EVENT_TIME_MS, MAX_MESSAGE_BYTES } from "../../core/event.js";

export interface IngestEvent {
  timestamp: number;
  message: string;
}

/**
 * Latest event time taken (9999-12-31T23:59:59.999Z). Beyond it a time is no date anyone can read (2^53-1
 * ms made every `mamori logs` command fail with "Invalid time value"); a client is told at once, with a
 * 400 for the whole batch, rather than having its times replaced.
 */
const MAX_TIMESTAMP_MS = MAX_EVENT_TIME_MS;

/** PutLogEvents' own limit on events per call. */
export const MAX_EVENTS_PER_REQUEST = 10_000;
const MAX_NAME_CHARS = 512;

export type Checked<T> =
  | { ok: true; value: T }
  /** `timestamp`: an event time out of range (counted apart from other bad requests) */
  | { ok: false; error: string; field?: "timestamp" };

export function parseIngestBody(text: string): Checked<IngestEvent[]> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `the body is not valid JSON (${(err as Error).message})` };
  }
  if (typeof body !== "object" || body === null || !Array.isArray((body as { events?: unknown }).events)) {
    return { ok: false, error: 'expected a JSON object {"events":[{"timestamp":<ms>,"message":"..."}]}' };
  }
  const events = (body as { events: unknown[] }).events;
  if (events.length > MAX_EVENTS_PER_REQUEST) {
    return {
      ok: false,
      error: `at most ${MAX_EVENTS_PER_REQUEST} events per request (got ${events.length})`,
    };
  }
  const out: IngestEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as { timestamp?: unknown; message?: unknown } | null;
    if (typeof e !== "object" || e === null || Array.isArray(e)) {
      return { ok: false, error: `events[${i}] must be an object {"timestamp":<ms>,"message":"..."}` };
    }
    const { timestamp, message } = e;
    if (typeof timestamp !== "number" || !Number.isSafeInteger(timestamp) || timestamp < 0) {
      return {
        ok: false,
        error: `events[${i}].timestamp must be milliseconds since 1970 (a whole number ≥ 0)`,
        field: "timestamp",
      };
    }
    if (timestamp > MAX_TIMESTAMP_MS) {
      return {
        ok: false,
        error: `events[${i}].timestamp ${timestamp} is after 9999-12-31 (${MAX_TIMESTAMP_MS}); send milliseconds since 1970, not microseconds or nanoseconds`,
        field: "timestamp",
      };
    }
    if (typeof message !== "string" || message.length === 0) {
      return { ok: false, error: `events[${i}].message must be a non-empty string` };
    }
    if (message.length > MAX_MESSAGE_BYTES / 3 && Buffer.byteLength(message) > MAX_MESSAGE_BYTES) {
      return { ok: false, error: `events[${i}].message is longer than ${MAX_MESSAGE_BYTES} bytes` };
    }
    out.push({ timestamp, message });
  }
  return { ok: true, value: out };
}

/** "/v1/logs/{group}/{stream}" → names (each URL-encoded: a group "/var/log/x" is "%2Fvar%2Flog%2Fx"). */
export function parseIngestPath(pathname: string): Checked<{ group: string; stream: string }> | undefined {
  const m = /^\/v1\/logs\/([^/]+)\/([^/]+)\/?$/.exec(pathname);
  if (!m) return undefined;
  let group: string;
  let stream: string;
  try {
    group = decodeURIComponent(m[1]);
    stream = decodeURIComponent(m[2]);
  } catch {
    return { ok: false, error: "the group or stream in the path is not valid percent-encoding" };
  }
  for (const [what, name] of [
    ["group", group],
    ["stream", stream],
  ] as const) {
    if (name.length > MAX_NAME_CHARS || /[\u0000-\u001f\u007f]/.test(name)) {
      return { ok: false, error: `the ${what} name must be 1-${MAX_NAME_CHARS} printable characters` };
    }
  }
  return { ok: true, value: { group, stream } };
}
