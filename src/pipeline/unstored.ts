/**
 * Events the store refused but the consumers already saw. A source whose batch was refused sends it
 * again (a file source re-reads from its checkpoint, an HTTP client retries after the 503), so without
 * this memory a jail would count one failure once per attempt and ban after a single line. Events are
 * known by a digest of group, stream, timestamp and message (not the ingest time, which a re-read
 * changes); the memory is bounded and forgotten once sources stop sending the refused events again.
 */
import { createHash } from "node:crypto";
import type { LogEvent, StoredEvent } from "../core/event.js";

export const MAX_REMEMBERED = 200_000;
/** successful commits without a single re-sent event after which the memory is dropped */
const FORGET_AFTER_COMMITS = 100;
/** The id of an event the store could not commit (consumers still see it). */
export const UNSTORED_ID = -1;

function digest(e: LogEvent): string {
  return createHash("sha1")
    .update(e.group)
    .update("\0")
    .update(e.stream)
    .update("\0")
    .update(String(e.timestamp))
    .update("\0")
    .update(e.message)
    .digest("base64");
}

export class UnstoredEvents {
  /** digest → how many refused copies were seen (identical lines may repeat within a batch) */
  private readonly seen = new Map<string, number>();
  private commitsWithoutHit = 0;

  get size(): number {
    return this.seen.size;
  }

  /** Of a refused batch, the events the consumers have not seen yet (each remembered). */
  refused(events: readonly LogEvent[]): StoredEvent[] {
    const fresh: StoredEvent[] = [];
    const inBatch = new Map<string, number>();
    for (const e of events) {
      const d = digest(e);
      const n = (inBatch.get(d) ?? 0) + 1;
      inBatch.set(d, n);
      if (n <= (this.seen.get(d) ?? 0)) continue; // this copy was seen in an earlier attempt
      this.seen.delete(d); // re-insert: Map order = oldest first
      this.seen.set(d, n);
      fresh.push({ ...e, id: UNSTORED_ID });
    }
    while (this.seen.size > MAX_REMEMBERED) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
    this.commitsWithoutHit = 0;
    return fresh;
  }

  /** Of a committed batch, the events the consumers have not seen yet (they saw refused copies). */
  committed(stored: StoredEvent[]): StoredEvent[] {
    if (this.seen.size === 0) return stored;
    const fresh: StoredEvent[] = [];
    for (const e of stored) {
      const d = digest(e);
      const n = this.seen.get(d);
      if (n === undefined) {
        fresh.push(e);
        continue;
      }
      this.commitsWithoutHit = -1;
      if (n > 1) this.seen.set(d, n - 1);
      else this.seen.delete(d);
    }
    if (++this.commitsWithoutHit >= FORGET_AFTER_COMMITS) {
      this.seen.clear();
      this.commitsWithoutHit = 0;
    }
    return fresh;
  }
}
