/**
 * POST /v1/batch: an agent's events with a per-agent sequence number. The server commits the events
 * and the agent's position ({seq, lastId}) in one transaction, then acknowledges; a sequence it already
 * committed is acknowledged again without storing anything (exactly once across crashes of either side).
 */
import type { LogEvent } from "../../core/event.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import type { LogStore } from "../../store/store.js";

export interface AgentPosition {
  seq: number;
  /** the agent's own id of the last event committed here */
  lastId: number;
}

export interface WireEvent {
  id: number;
  group: string;
  /** the stream a source on the agent set; absent: the agent's name */
  stream?: string;
  timestamp: number;
  message: string;
}

export interface Batch {
  seq: number;
  events: WireEvent[];
}

export const MAX_MESSAGE_BYTES = 256 * 1024;

export function positionSource(agentId: string): string {
  return `fleet-agent:${agentId}`;
}

export async function positionOf(logs: LogStore, agentId: string): Promise<AgentPosition> {
  const v = await logs.getCheckpoint(positionSource(agentId), "position");
  return v ? (JSON.parse(v) as AgentPosition) : { seq: 0, lastId: 0 };
}

export function parseBatch(v: unknown): Batch | string {
  if (typeof v !== "object" || v === null) return "expected a JSON object";
  const o = v as Record<string, unknown>;
  if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 1) return "`seq` must be a whole number ≥ 1";
  if (!Array.isArray(o.events)) return "`events` must be an array";
  let prev = 0;
  for (const [i, e] of o.events.entries()) {
    if (typeof e !== "object" || e === null) return `events[${i}] is not an object`;
    const ev = e as Record<string, unknown>;
    if (!Number.isSafeInteger(ev.id) || (ev.id as number) <= prev)
      return `events[${i}].id must be a whole number larger than the one before`;
    prev = ev.id as number;
    if (typeof ev.group !== "string" || ev.group.length === 0 || ev.group.length > 512)
      return `events[${i}].group must be 1-512 characters`;
    if (
      ev.stream !== undefined &&
      (typeof ev.stream !== "string" || ev.stream.length === 0 || ev.stream.length > 512)
    )
      return `events[${i}].stream must be 1-512 characters when given`;
    if (!Number.isFinite(ev.timestamp)) return `events[${i}].timestamp must be ms since epoch`;
    if (typeof ev.message !== "string" || Buffer.byteLength(ev.message) > MAX_MESSAGE_BYTES)
      return `events[${i}].message must be text of at most 256 KiB`;
  }
  return { seq: o.seq as number, events: o.events as WireEvent[] };
}

export type IngestOutcome =
  | { kind: "committed"; ack: AgentPosition; stored: number }
  | { kind: "duplicate"; ack: AgentPosition }
  | { kind: "gap"; expected: number; position: AgentPosition };

/** Commits one batch of one agent; the caller runs at most one at a time per agent. */
export async function ingestBatch(
  batch: Batch,
  agent: { id: string; stream: string },
  deps: { logs: LogStore; pipeline: Pick<Pipeline, "emitAndCommit">; now: number },
): Promise<IngestOutcome> {
  const pos = await positionOf(deps.logs, agent.id);
  if (batch.seq <= pos.seq) return { kind: "duplicate", ack: pos };
  if (batch.seq !== pos.seq + 1) return { kind: "gap", expected: pos.seq + 1, position: pos };
  const fresh = batch.events.filter((e) => e.id > pos.lastId);
  const events: LogEvent[] = fresh.map((e) => ({
    group: e.group,
    stream: e.stream ?? agent.stream,
    timestamp: e.timestamp,
    ingestTime: deps.now,
    message: e.message,
  }));
  const ack: AgentPosition = {
    seq: batch.seq,
    lastId: fresh.length ? fresh[fresh.length - 1].id : pos.lastId,
  };
  await deps.pipeline.emitAndCommit({
    events,
    checkpoints: [{ source: positionSource(agent.id), key: "position", value: JSON.stringify(ack) }],
  });
  return { kind: "committed", ack, stored: events.length };
}
