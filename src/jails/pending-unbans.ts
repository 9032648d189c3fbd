/**
 * Bans that are over but could not be lifted (the action failed): they stay blocked, stay in the store as
 * "pending-unban", and are retried with backoff (2 s, 4 s, … at most 5 min apart) until the firewall
 * lets go. A jail that bans the address again simply takes it back.
 */
import type { BanRecord } from "../store/store.js";
import { retryDelay } from "./firewall-sync.js";

const UNBAN_RETRY = { baseMs: 2000, maxMs: 300_000 };

export interface PendingUnban {
  record: BanRecord;
  /** failed attempts so far */
  failures: number;
  /** ms: the next attempt */
  nextAt: number;
}

export class PendingUnbans {
  private readonly byTarget = new Map<string, PendingUnban>();

  has(target: string): boolean {
    return this.byTarget.has(target);
  }

  delete(target: string): void {
    this.byTarget.delete(target);
  }

  targets(): string[] {
    return [...this.byTarget.keys()];
  }

  records(): BanRecord[] {
    return [...this.byTarget.values()].map((p) => p.record);
  }

  /** One more failed attempt at `now`: the record as stored (pending-unban) and the next attempt. */
  failed(record: BanRecord, now: number): PendingUnban {
    const failures = (this.byTarget.get(record.ip)?.failures ?? 0) + 1;
    const p: PendingUnban = {
      record: { ...record, state: "pending-unban" },
      failures,
      nextAt: now + retryDelay(failures, UNBAN_RETRY.baseMs, UNBAN_RETRY.maxMs),
    };
    this.byTarget.set(record.ip, p);
    return p;
  }

  /** A pending unban found in the store (a restart, or `bans del` whose own unban failed): due now. */
  adopt(record: BanRecord, now: number): void {
    if (!this.byTarget.has(record.ip)) this.byTarget.set(record.ip, { record, failures: 0, nextAt: now });
  }

  due(now: number): PendingUnban[] {
    return [...this.byTarget.values()].filter((p) => p.nextAt <= now);
  }

  /** ms of the earliest attempt; Infinity when none. */
  nextAt(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const p of this.byTarget.values()) if (p.nextAt < next) next = p.nextAt;
    return next;
  }
}
