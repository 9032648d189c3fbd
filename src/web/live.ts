/**
 * Live updates: one EventSource on /api/v1/stream shared by every page. Pages subscribe to event types
 * ("alarm", "ban", "unban", "finding", ...) and refetch what they show; the payloads are not trusted to
 * carry everything, the API stays the source of truth.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { systemClock } from "../core/clock";
import { API } from "./api";

export interface LiveMessage {
  type: string;
  data: unknown;
}

type Listener = (m: LiveMessage) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<(s: LiveStatus) => void>();
export type LiveStatus = "connecting" | "live" | "offline";

let source: EventSource | undefined;
let status: LiveStatus = "offline";
/** Event names the stream may send; EventSource only reports named events it was told about. */
const KNOWN_TYPES = [
  "alarm",
  "alarms",
  "alarm-state",
  "ban",
  "bans",
  "unban",
  "finding",
  "fim",
  "rootcheck",
  "audit",
  "agent",
  "event",
  "tail",
  "auth",
];

function setStatus(s: LiveStatus): void {
  status = s;
  for (const l of statusListeners) l(s);
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

function dispatch(type: string, raw: string): void {
  const data = parse(raw);
  // an unnamed message may say its type inside: {"type":"alarm",...}
  const inner =
    type === "message" && data && typeof data === "object" && "type" in data
      ? String((data as { type: unknown }).type)
      : type;
  for (const l of listeners) l({ type: inner, data });
}

function connect(): void {
  if (source) return;
  setStatus("connecting");
  const es = new EventSource(`${API}/stream`, { withCredentials: true });
  source = es;
  es.onopen = () => setStatus("live");
  es.onerror = () => setStatus(es.readyState === EventSource.CLOSED ? "offline" : "connecting");
  es.onmessage = (e) => dispatch("message", e.data);
  for (const t of KNOWN_TYPES) es.addEventListener(t, (e) => dispatch(t, (e as MessageEvent).data));
}

/** Closes the stream (on logout). */
export function disconnect(): void {
  source?.close();
  source = undefined;
  setStatus("offline");
}

/** Calls `fn` for every live message whose type is in `types` (none when empty; the stream opens anyway). */
export function useLive(types: readonly string[], fn: (m: LiveMessage) => void): void {
  const ref = useRef(fn);
  ref.current = fn;
  const key = types.join(",");
  useEffect(() => {
    connect();
    const wanted = new Set(key ? key.split(",") : []);
    const l: Listener = (m) => {
      if (wanted.has(m.type) || wanted.has(m.type.split(/[.:/]/)[0])) ref.current(m);
    };
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, [key]);
}

export function useLiveStatus(): LiveStatus {
  const [s, set] = useState(status);
  useEffect(() => {
    statusListeners.add(set);
    return () => {
      statusListeners.delete(set);
    };
  }, []);
  return s;
}

/** The current time, re-rendering every `everyMs` (countdowns, "3 minutes ago"). */
export function useNow(everyMs = 1000): number {
  const [now, set] = useState(systemClock.now());
  useEffect(() => {
    const t = systemClock.setInterval(() => set(systemClock.now()), everyMs);
    return () => t.cancel();
  }, [everyMs]);
  return now;
}
