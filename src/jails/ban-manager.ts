/**
 * fail2ban's BanManager + the persistence it lacks: active bans live in the store, so they survive a
 * restart. On start, unexpired bans go back into the firewall and expired ones are lifted; bans end on
 * time through the Clock (one timer, armed for the next expiry); the store is polled for bans added or
 * removed by `mamori bans add|del` while the daemon runs. Every change runs through one queue, in order,
 * so the jail can hand over tickets without waiting.
 */
import type { Logger } from "pino";
import type { BanAction, BanInfo } from "../actions/types.js";
import type { JailConfig } from "../config/schema.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { BanRecord, BanStore } from "../store/store.js";
import { banSeconds, countsAcrossJails } from "./bantime.js";
import type { BanTicket, TicketSink } from "./jail.js";

/** Why a ban ended: its time ran out, or a person lifted it (`mamori bans del`, unbanNow). */
export type UnbanReason = "expired" | "manual";

/** A ban or unban that happened, for the jail to turn into an event and notices. */
export type BanChange =
  | {
      action: "ban";
      record: BanRecord;
      /** seconds, -1 = forever */
      bantime: number;
      /** set when a person banned (`mamori bans add`), not the jail */
      reason?: "manual";
    }
  | { action: "unban"; record: BanRecord; reason: UnbanReason };

export interface BanManagerOptions {
  jail: Pick<JailConfig, "name" | "bantime" | "bantime_increment">;
  action: BanAction;
  store: BanStore;
  clock: Clock;
  log: Logger;
  /** told of every ban and unban, after the store and the firewall; must not throw */
  onChange?: (change: BanChange) => void;
  /** [0, 1) for rndtime; Math.random by default */
  rng?: () => number;
  /** how often the store is read for bans changed by the CLI; 0 = never. Default 2000 ms */
  pollMs?: number;
}

interface ActiveBan {
  record: BanRecord;
  /** the firewall holds it (false after a failed action call: retried on the next poll) */
  applied: boolean;
  /** the store holds it (false when the store failed, e.g. a full disk: saving is retried on the next poll) */
  saved: boolean;
}

/** Node timers overflow past 2^31 ms; a far expiry is re-checked daily instead. */
const MAX_TIMER_MS = 86_400_000;

export interface BanManagerCounters {
  bans: number;
  unbans: number;
  actionErrors: number;
  /** bans the store could not save (they were applied anyway) */
  storeErrors: number;
}

export class BanManager implements TicketSink {
  private readonly active = new Map<string, ActiveBan>();
  /** targets with a ticket in the queue (so the jail does not ban them twice) */
  private readonly pending = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private timer?: TimerHandle;
  private timerAt = Number.POSITIVE_INFINITY;
  private poller?: TimerHandle;
  private stopped = false;
  /** the restore is done: later bans found in the store came from the CLI */
  private started = false;
  private pollQueued = false;
  readonly counters: BanManagerCounters = { bans: 0, unbans: 0, actionErrors: 0, storeErrors: 0 };

  constructor(private readonly o: BanManagerOptions) {}

  get jail(): string {
    return this.o.jail.name;
  }

  isBanned(target: string): boolean {
    return this.active.has(target) || this.pending.has(target);
  }

  /** Active bans as the manager holds them. */
  bans(): BanRecord[] {
    return [...this.active.values()].map((a) => a.record);
  }

  /** Queues a ban; returns at once. */
  enqueue(ticket: BanTicket): void {
    if (this.stopped || this.isBanned(ticket.target)) return;
    this.pending.add(ticket.target);
    this.run(async () => {
      try {
        await this.ban(ticket);
      } finally {
        this.pending.delete(ticket.target);
      }
    });
  }

  /** Restores the store's bans into the firewall, lifts expired ones, arms expiry and the store poll. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.o.action.start();
    await this.runAndWait(() => this.reconcile());
    this.started = true;
    const poll = this.o.pollMs ?? 2000;
    if (poll > 0)
      this.poller = this.o.clock.setInterval(() => {
        if (this.pollQueued) return; // a slow firewall must not pile polls up
        this.pollQueued = true;
        this.run(async () => {
          this.pollQueued = false;
          await this.reconcile();
        });
      }, poll);
  }

  /** Finishes queued work, stops timers and the action (bans stay in the store and the firewall). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.started = false;
    this.poller?.cancel();
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    await this.idle();
    await this.o.action.stop();
  }

  /** Resolves once every queued change is done. */
  async idle(): Promise<void> {
    while (this.queued > 0) await this.chain;
  }

  /** A manual ban (`bans add`, tests): bantime in seconds, -1 forever, default the jail's. */
  banNow(
    target: string,
    opts: { bantime?: number; failures?: number; lines?: string[] } = {},
  ): Promise<BanRecord> {
    return this.runAndWait(async () => {
      const now = this.o.clock.now();
      const banCount = await this.previousBans(target);
      const seconds = opts.bantime ?? banSeconds(this.o.jail, banCount, this.o.rng);
      return this.apply({
        jail: this.jail,
        ip: target,
        start: now,
        end: endOf(now, seconds),
        failures: opts.failures ?? 0,
        banCount,
        lines: opts.lines ?? [],
      });
    });
  }

  /** A manual unban; resolves whether the target was banned. */
  unbanNow(target: string): Promise<boolean> {
    return this.runAndWait(async () => {
      const had = this.active.get(target);
      await this.lift(target);
      if (had) this.changed({ action: "unban", record: had.record, reason: "manual" });
      return had !== undefined;
    });
  }

  private run(op: () => Promise<void>): void {
    void this.runAndWait(op).catch((err) =>
      this.o.log.error({ err: errorMessage(err), jail: this.jail }, "ban manager step failed"),
    );
  }

  private runAndWait<T>(op: () => Promise<T>): Promise<T> {
    this.queued++;
    const result = this.chain.then(op);
    this.chain = result.then(
      () => {
        this.queued--;
      },
      () => {
        this.queued--;
      },
    );
    return result;
  }

  private previousBans(target: string): Promise<number> {
    return this.o.store.previousBans(target, countsAcrossJails(this.o.jail) ? undefined : this.jail);
  }

  private async ban(t: BanTicket): Promise<void> {
    if (this.active.has(t.target)) return;
    const now = this.o.clock.now();
    const banCount = await this.previousBans(t.target);
    const seconds = banSeconds(this.o.jail, banCount, this.o.rng);
    const record = await this.apply({
      jail: this.jail,
      ip: t.target,
      start: now,
      end: endOf(now, seconds),
      failures: t.failures,
      banCount,
      lines: t.lines,
    });
    this.o.log.info(
      { jail: this.jail, ip: t.target, failures: t.failures, bantime: seconds, banCount },
      "banned %s",
      t.target,
    );
    this.changed({ action: "ban", record, bantime: seconds });
  }

  /** Persists, applies to the firewall, arms the expiry. A store that fails does not stop the ban. */
  private async apply(record: BanRecord): Promise<BanRecord> {
    const entry: ActiveBan = { record, applied: false, saved: await this.save(record) };
    this.active.set(record.ip, entry);
    this.counters.bans++;
    await this.applyToFirewall(entry);
    this.arm();
    return record;
  }

  /** Stores a ban; false (logged, counted) when the store fails: the ban holds in memory and the firewall. */
  private async save(record: BanRecord): Promise<boolean> {
    try {
      await this.o.store.add(record);
      return true;
    } catch (err) {
      this.counters.storeErrors++;
      this.o.log.error(
        { err: errorMessage(err), jail: this.jail, ip: record.ip },
        "could not store the ban of %s; it is applied anyway and saving is retried on the next store poll (it is lost on restart until then)",
        record.ip,
      );
      return false;
    }
  }

  private async applyToFirewall(entry: ActiveBan): Promise<void> {
    const r = entry.record;
    const info = this.infoFor(r, this.o.clock.now());
    try {
      await this.o.action.ban(r.ip, info);
      entry.applied = true;
    } catch (err) {
      this.counters.actionErrors++;
      this.o.log.error(
        { err: errorMessage(err), jail: this.jail, ip: r.ip, action: this.o.action.name },
        "the firewall action failed to ban %s; retrying on the next store poll",
        r.ip,
      );
    }
  }

  /** Removes from the firewall, the store and memory. */
  private async lift(target: string): Promise<void> {
    try {
      await this.o.action.unban(target, { jail: this.jail });
    } catch (err) {
      this.counters.actionErrors++;
      this.o.log.error(
        { err: errorMessage(err), jail: this.jail, ip: target, action: this.o.action.name },
        "the firewall action failed to unban %s",
        target,
      );
    }
    await this.o.store.remove(this.jail, target);
    if (this.active.delete(target)) this.counters.unbans++;
    this.arm();
  }

  /** Expired bans are lifted; bans the store gained or lost (the CLI) are applied or lifted; failed applies are retried. */
  private async reconcile(): Promise<void> {
    const now = this.o.clock.now();
    const stored = new Map((await this.o.store.active(this.jail)).map((r) => [r.ip, r]));
    for (const [ip, entry] of [...this.active]) {
      if (stored.has(ip)) continue;
      // not in the store because saving it failed: save again; not a removal by the CLI
      if (!entry.saved) entry.saved = await this.save(entry.record);
      else await this.forget(ip, entry);
    }
    const toApply: ActiveBan[] = [];
    for (const r of stored.values()) {
      if (r.end !== null && r.end <= now) {
        await this.lift(r.ip);
        this.o.log.info({ jail: this.jail, ip: r.ip }, "unbanned %s (ban expired)", r.ip);
        this.changed({ action: "unban", record: r, reason: "expired" });
        continue;
      }
      const entry = this.active.get(r.ip);
      if (!entry || entry.record.end !== r.end || entry.record.start !== r.start) {
        const next: ActiveBan = { record: r, applied: false, saved: true };
        this.active.set(r.ip, next);
        toApply.push(next);
        if (this.started) {
          this.o.log.info(
            { jail: this.jail, ip: r.ip, end: r.end },
            "took over the ban of %s from the store (mamori bans add)",
            r.ip,
          );
          const bantime = r.end === null ? -1 : Math.round((r.end - r.start) / 1000);
          if (!entry) this.changed({ action: "ban", record: r, bantime, reason: "manual" });
        }
      } else if (!entry.applied) toApply.push(entry);
    }
    await this.applyAll(toApply);
    this.arm();
  }

  /** Applies bans to the firewall: in one go when the action can (a restore), else one by one. */
  private async applyAll(entries: ActiveBan[]): Promise<void> {
    if (entries.length > 1 && this.o.action.banMany) {
      const now = this.o.clock.now();
      try {
        await this.o.action.banMany(
          entries.map((e) => ({ target: e.record.ip, info: this.infoFor(e.record, now) })),
        );
        for (const e of entries) e.applied = true;
        return;
      } catch (err) {
        this.o.log.warn(
          { err: errorMessage(err), jail: this.jail },
          "applying %d bans at once failed; applying them one by one",
          entries.length,
        );
      }
    }
    for (const e of entries) await this.applyToFirewall(e);
  }

  private infoFor(r: BanRecord, now: number): BanInfo {
    return {
      jail: this.jail,
      bantime: r.end === null ? -1 : Math.max(0.001, (r.end - now) / 1000),
      failures: r.failures,
    };
  }

  /** A ban the store no longer has (removed by `bans del`): lift it from the firewall. */
  private async forget(ip: string, entry: ActiveBan): Promise<void> {
    try {
      await this.o.action.unban(ip, { jail: this.jail });
    } catch (err) {
      this.counters.actionErrors++;
      this.o.log.error(
        { err: errorMessage(err), jail: this.jail, ip },
        "the firewall action failed to unban %s",
        ip,
      );
    }
    this.active.delete(ip);
    this.counters.unbans++;
    this.o.log.info({ jail: this.jail, ip }, "unbanned %s (removed from the store)", ip);
    this.changed({ action: "unban", record: entry.record, reason: "manual" });
  }

  /** Lifts every due ban. */
  private async expire(): Promise<void> {
    const now = this.o.clock.now();
    for (const [ip, entry] of [...this.active]) {
      const end = entry.record.end;
      if (end !== null && end <= now) {
        await this.lift(ip);
        this.o.log.info({ jail: this.jail, ip }, "unbanned %s (ban expired)", ip);
        this.changed({ action: "unban", record: entry.record, reason: "expired" });
      }
    }
    this.arm();
  }

  /** One timer, at the earliest expiry. */
  private arm(): void {
    if (this.stopped) return;
    let next = Number.POSITIVE_INFINITY;
    for (const e of this.active.values())
      if (e.record.end !== null && e.record.end < next) next = e.record.end;
    if (next === this.timerAt && this.timer) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = next;
    if (next === Number.POSITIVE_INFINITY) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - this.o.clock.now()));
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.run(() => this.expire());
    }, delay);
  }

  private changed(change: BanChange): void {
    try {
      this.o.onChange?.(change);
    } catch (err) {
      this.o.log.error({ err: errorMessage(err), jail: this.jail }, "reporting a ban change failed");
    }
  }
}

function endOf(now: number, seconds: number): number | null {
  return seconds < 0 ? null : now + Math.round(seconds * 1000);
}
