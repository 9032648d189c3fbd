/**
 * GET /api/v1/stream: Server-Sent Events of what happens now — alarm state changes, bans and unbans,
 * host-check findings, agent status, and a live tail of a group (`?tail=GROUP&pattern=P`). The hub is a
 * pipeline consumer: it sees committed events in commit order, like the jails, and hands each to the
 * viewers that want it. Each viewer has a bounded queue; a viewer too slow to keep up loses the oldest
 * events (counted, and told with a `dropped` event) instead of holding memory.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { Clock } from "../core/clock.js";
import type { StoredEvent } from "../core/event.js";
import type { CompiledPattern } from "../patterns/index.js";
import type { EventConsumer } from "../pipeline/pipeline.js";
import type { ApiEnv } from "./deps.js";
import { eventJson } from "./routes/logs.js";

/** `mamori/*` groups and the SSE event name their events get. */
export const STREAM_KINDS: Readonly<Record<string, string>> = {
  "mamori/alarms": "alarm",
  "mamori/bans": "ban",
  "mamori/fim": "finding",
  "mamori/rootcheck": "finding",
  "mamori/audit": "finding",
  "mamori/agents": "agent",
};

const MAX_QUEUED = 1000;
const HEARTBEAT_MS = 15_000;

interface Viewer {
  tail?: { group: string; pattern?: CompiledPattern };
  queue: Array<{ event: string; data: string }>;
  dropped: number;
  wake?: () => void;
}

export class StreamHub implements EventConsumer {
  readonly name = "api-stream";
  private readonly viewers = new Set<Viewer>();
  private tailGroups = new Map<string, number>();
  readonly counters = { viewers: 0, sent: 0, dropped: 0 };

  wants(group: string): boolean {
    return group in STREAM_KINDS || this.tailGroups.has(group);
  }

  onEvents(events: readonly StoredEvent[]): void {
    if (this.viewers.size === 0) return;
    for (const e of events) {
      const kind = STREAM_KINDS[e.group];
      const json = kind ? JSON.stringify({ group: e.group, ...eventJson(e) }) : undefined;
      for (const v of this.viewers) {
        if (json && kind) this.push(v, kind, json);
        if (
          v.tail &&
          v.tail.group === e.group &&
          (!v.tail.pattern || v.tail.pattern.match(e.message) !== undefined)
        )
          this.push(v, "tail", JSON.stringify(eventJson(e)));
      }
    }
  }

  private push(v: Viewer, event: string, data: string): void {
    if (v.queue.length >= MAX_QUEUED) {
      v.queue.shift();
      v.dropped++;
      this.counters.dropped++;
    }
    v.queue.push({ event, data });
    v.wake?.();
  }

  private add(v: Viewer): void {
    this.viewers.add(v);
    this.counters.viewers = this.viewers.size;
    if (v.tail) this.tailGroups.set(v.tail.group, (this.tailGroups.get(v.tail.group) ?? 0) + 1);
  }

  private remove(v: Viewer): void {
    this.viewers.delete(v);
    this.counters.viewers = this.viewers.size;
    if (v.tail) {
      const n = (this.tailGroups.get(v.tail.group) ?? 1) - 1;
      if (n > 0) this.tailGroups.set(v.tail.group, n);
      else this.tailGroups.delete(v.tail.group);
    }
    v.wake?.();
  }

  /** Ends every open stream (the server is stopping). */
  closeAll(): void {
    for (const v of [...this.viewers]) this.remove(v);
  }

  /** The SSE response of one viewer; it runs until the client goes away or closeAll. */
  respond(c: Context<ApiEnv>, clock: Clock, tail?: Viewer["tail"]): Response {
    const v: Viewer = { tail, queue: [], dropped: 0 };
    this.add(v);
    return streamSSE(c, async (stream) => {
      let open = true;
      stream.onAbort(() => {
        open = false;
        this.remove(v);
      });
      const beat = clock.setInterval(() => v.wake?.(), HEARTBEAT_MS);
      try {
        await stream.writeSSE({ event: "hello", data: JSON.stringify({ tail: tail?.group ?? null }) });
        while (open && this.viewers.has(v)) {
          if (v.queue.length === 0) {
            await new Promise<void>((resolve) => {
              v.wake = resolve;
            });
            v.wake = undefined;
            if (v.queue.length === 0 && this.viewers.has(v)) await stream.write(": ping\n\n");
            continue;
          }
          if (v.dropped > 0) {
            await stream.writeSSE({ event: "dropped", data: JSON.stringify({ dropped: v.dropped }) });
            v.dropped = 0;
          }
          const batch = v.queue.splice(0, v.queue.length);
          for (const m of batch) await stream.writeSSE(m);
          this.counters.sent += batch.length;
        }
      } finally {
        beat.cancel();
        this.remove(v);
      }
    });
  }
}
