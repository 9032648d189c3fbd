/**
 * fail2ban's BanManager + the persistence it lacks: active bans live in the store, so they survive a
 * restart. On start, unexpired bans go back into the firewall and expired ones are lifted; bans end on
 * time through the Clock (one timer, armed for the next thing due); the store is polled for bans added or
 * removed by `mamori bans add|del` while the daemon runs. Every change runs through one queue, in order,
 * so the jail can hand over tickets without waiting.
 *
 * The firewall is not trusted to keep what it was given: every `checkMs` (and at once after an action
 * fails) the action's check() is compared with the store; missing firewall state is recreated with
 * start() and every ban re-applied, missing bans are re-applied, and each drift is logged and handed to
 * `onDrift`. A repair that fails is retried with backoff. An unban that fails leaves the ban in the
 * store as "pending-unban" and is retried with backoff until it succeeds.
 */
import type { Logger } from "pino";
import { coversTarget } from "../actions/target.js";
import type { BanAction, BanInfo } from "../actions/types.js";
import type { JailConfig } from "../config/schema.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { BanRecord, BanStore } from "../store/store.js";
import { banSeconds, countsAcrossJails } from "./bantime.js";
import { type FirewallDrift, FirewallSync } from "./firewall-sync.js";
import type { BanTicket, TicketSink } from "./jail.js";
import { PendingUnbans } from "./pending-unbans.js";
import { SerialQueue } from "./serial-queue.js";

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
  /** how often the firewall is compared with the store (check()); 0 = never. Default 30 s */
  checkMs?: number;
  /** told about every drift found (the runtime publishes it to `mamori/bans`) */
  onDrift?: (drift: FirewallDrift) => void;
}

export interface ActiveBan {
  record: BanRecord;
  /** the firewall holds it (false after a failed action call: retried by the next repair) */
  applied: boolean;
  /** the store holds it (false when the store failed, e.g. a full disk: saving is retried on the next poll) */
  saved: boolean;
}

export const DEFAULT_CHECK_MS = 30_000;

/** Node timers overflow past 2^31 ms; a far expiry is re-checked daily instead. */
const MAX_TIMER_MS = 86_400_000;

export interface BanManagerCounters {
  bans: number;
  unbans: number;
  actionErrors: number;
  /** bans the store could not save (they were applied anyway) */
  storeErrors: number;
  /** firewall checks that found a drift */
  drifts: number;
  /** times the action's firewall state was recreated (start() after a failed check) */
  repairs: number;
}

export class BanManager implements TicketSink {
  private readonly active = new Map<string, ActiveBan>();
  /** targets with a ticket in the queue (so the jail does not ban them twice) */
  private readonly pending = new Set<string>();
  private readonly queue = new SerialQueue();
  private timer?: TimerHandle;
  private timerAt = Number.POSITIVE_INFINITY;
  private poller?: TimerHandle;
  private stopped = false;
  /** the restore is done: later bans found in the store came from the CLI */
  private started = false;
  private checker?: TimerHandle;
  /** bans whose unban failed, by target: retried until the firewall lets go */
  private readonly unbanning = new PendingUnbans();
  private readonly firewall: FirewallSync;
  readonly counters: BanManagerCounters = {
    bans: 0,
    unbans: 0,
    actionErrors: 0,
    storeErrors: 0,
    drifts: 0,
    repairs: 0,
  };

  constructor(private readonly o: BanManagerOptions) {
    this.firewall = new FirewallSync({
      jail: o.jail.name,
      action: o.action,
      clock: o.clock,
      log: o.log,
      onDrift: o.onDrift,
      counters: this.counters,
    });
  }

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

  /** Bans that are over but still in the firewall, because lifting them failed (retried). */
  pendingUnbans(): BanRecord[] {
    return this.unbanning.records();
  }

  /** Compares the firewall with the store now and repairs what differs (what the periodic check does). */
  checkFirewall(): Promise<void> {
    return this.runAndWait(() => this.syncFirewall());
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
    this.poller = this.every(this.o.pollMs ?? 2000, () => this.reconcile());
    this.checker = this.every(this.o.checkMs ?? DEFAULT_CHECK_MS, () => this.syncFirewall());
  }

  /** A periodic step on the queue (0 = never); never queued twice, so a slow firewall piles nothing up. */
  private every(ms: number, op: () => Promise<void>): TimerHandle | undefined {
    if (ms <= 0) return undefined;
    let queued = false;
    return this.o.clock.setInterval(() => {
      if (queued) return;
      queued = true;
      this.run(async () => {
        queued = false;
        await op();
      });
    }, ms);
  }

  /** Finishes queued work, stops timers and the action (bans stay in the store and the firewall). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.started = false;
    this.poller?.cancel();
    this.checker?.cancel();
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    await this.idle();
    await this.o.action.stop();
  }

  /** Resolves once every queued change is done. */
  idle(): Promise<void> {
    return this.queue.idle();
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
      const record = await this.apply({
        jail: this.jail,
        ip: target,
        start: now,
        end: endOf(now, seconds),
        failures: opts.failures ?? 0,
        banCount,
        lines: opts.lines ?? [],
      });
      // a ban by hand (the web API) is an event in mamori/bans like the jail's own
      this.changed({ action: "ban", record, bantime: seconds, reason: "manual" });
      return record;
    });
  }

  /** A manual unban; resolves whether the target was banned (a failed unban stays pending and is retried). */
  unbanNow(target: string): Promise<boolean> {
    return this.runAndWait(async () => {
      const entry = this.active.get(target);
      if (entry) await this.lift(entry.record, "unbanned by hand", "manual");
      return entry !== undefined;
    });
  }

  private run(op: () => Promise<void>): void {
    this.queue.run(op, (err) =>
      this.o.log.error({ err: errorMessage(err), jail: this.jail }, "ban manager step failed"),
    );
  }

  private runAndWait<T>(op: () => Promise<T>): Promise<T> {
    return this.queue.runAndWait(op);
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

  /**
   * Persists, applies to the firewall (repairing it at once if that fails), arms the expiry. A store that
   * fails does not stop the ban.
   */
  private async apply(record: BanRecord): Promise<BanRecord> {
    const saved = await this.save(record);
    this.unbanning.delete(record.ip);
    const entry: ActiveBan = { record, applied: false, saved };
    this.active.set(record.ip, entry);
    this.counters.bans++;
    if (!(await this.applyToFirewall(entry))) await this.repairSoon();
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

  /** One ban into the firewall; false (logged, counted) when the action failed. */
  private async applyToFirewall(entry: ActiveBan): Promise<boolean> {
    const r = entry.record;
    try {
      await this.o.action.ban(r.ip, this.infoFor(r, this.o.clock.now()));
      entry.applied = true;
    } catch (err) {
      entry.applied = false;
      this.counters.actionErrors++;
      this.o.log.error(
        { err: errorMessage(err), jail: this.jail, ip: r.ip, action: this.o.action.name },
        "the firewall action failed to ban %s; checking and repairing the firewall",
        r.ip,
      );
    }
    return entry.applied;
  }

  /** A repair now, unless one failed recently: then the scheduled one (backoff) stays. */
  private async repairSoon(): Promise<void> {
    if (this.firewall.failures === 0) await this.syncFirewall();
    else this.arm();
  }

  /**
   * Ends a ban: out of the firewall, the store and memory. When the action fails the ban stays in the
   * store as pending-unban (still blocked, visible in `bans list`) and is retried with backoff.
   */
  private async lift(record: BanRecord, why: string, reason: UnbanReason): Promise<void> {
    this.active.delete(record.ip);
    try {
      await this.o.action.unban(record.ip, { jail: this.jail });
    } catch (err) {
      await this.unbanFailed(record, err);
      return;
    }
    this.unbanning.delete(record.ip);
    await this.o.store.remove(this.jail, record.ip);
    this.counters.unbans++;
    this.o.log.info({ jail: this.jail, ip: record.ip }, "unbanned %s (%s)", record.ip, why);
    this.changed({ action: "unban", record, reason });
    await this.reapplyInside(record.ip);
    this.arm();
  }

  private async unbanFailed(record: BanRecord, err: unknown): Promise<void> {
    this.counters.actionErrors++;
    const { record: pending, failures, nextAt } = this.unbanning.failed(record, this.o.clock.now());
    const delay = nextAt - this.o.clock.now();
    await this.o.store.markUnbanPending(pending);
    this.o.log.error(
      { err: errorMessage(err), jail: this.jail, ip: record.ip, action: this.o.action.name, failures },
      "the firewall action failed to unban %s; it stays blocked and recorded as pending-unban, retried in %d s",
      record.ip,
      Math.round(delay / 1000),
    );
    if (failures === 1) await this.repairSoon();
    this.arm();
  }

  /** After a prefix is lifted, the bans inside it that it held (nftables adds no element for them) go in. */
  private async reapplyInside(lifted: string): Promise<void> {
    if (!lifted.includes("/")) return;
    for (const e of this.active.values())
      if (coversTarget(lifted, e.record.ip) && !(await this.applyToFirewall(e))) await this.repairSoon();
  }

  /** Retries the unbans that are due. */
  private async retryUnbans(): Promise<void> {
    const now = this.o.clock.now();
    for (const p of this.unbanning.due(now)) {
      if (this.active.has(p.record.ip))
        this.unbanning.delete(p.record.ip); // banned again meanwhile
      else {
        const reason = p.record.end !== null && p.record.end <= now ? "expired" : "manual";
        await this.lift(p.record, `pending unban, attempt ${p.failures + 1}`, reason);
      }
    }
  }

  /** Expired bans are lifted; bans the store gained or lost (the CLI) are applied or lifted. */
  private async reconcile(): Promise<void> {
    const now = this.o.clock.now();
    const rows = await this.o.store.active(this.jail);
    const stored = new Map(rows.filter((r) => r.state !== "pending-unban").map((r) => [r.ip, r]));
    for (const r of rows) if (r.state === "pending-unban" && !this.unbanning.has(r.ip)) this.adopt(r, now);
    for (const [ip, entry] of [...this.active]) {
      if (stored.has(ip)) continue;
      // not in the store because saving it failed: save again; not a removal by the CLI
      if (!entry.saved) entry.saved = await this.save(entry.record);
      else await this.lift(entry.record, "removed from the store", "manual");
    }
    const toApply: ActiveBan[] = [];
    for (const r of stored.values()) {
      if (r.end !== null && r.end <= now) {
        await this.lift(r, "ban expired", "expired");
        continue;
      }
      const entry = this.active.get(r.ip);
      if (!entry || entry.record.end !== r.end || entry.record.start !== r.start) {
        const next: ActiveBan = { record: r, applied: false, saved: true };
        this.active.set(r.ip, next);
        this.unbanning.delete(r.ip);
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
      }
    }
    if (!(await this.applyAll(toApply))) await this.repairSoon();
    this.arm();
  }

  /** A pending unban found in the store (a restart, or `bans del` whose own unban failed). */
  private adopt(r: BanRecord, now: number): void {
    this.active.delete(r.ip);
    this.unbanning.adopt(r, now);
  }

  /** Applies bans to the firewall: in one go when the action can (a restore), else one by one. */
  private async applyAll(entries: ActiveBan[]): Promise<boolean> {
    if (entries.length > 1 && this.o.action.banMany) {
      const now = this.o.clock.now();
      try {
        await this.o.action.banMany(
          entries.map((e) => ({ target: e.record.ip, info: this.infoFor(e.record, now) })),
        );
        for (const e of entries) e.applied = true;
        return true;
      } catch (err) {
        this.o.log.warn(
          { err: errorMessage(err), jail: this.jail },
          "applying %d bans at once failed; applying them one by one",
          entries.length,
        );
      }
    }
    let ok = true;
    for (const e of entries) if (!(await this.applyToFirewall(e))) ok = false;
    return ok;
  }

  /** The firewall against the store, repaired where it differs (see FirewallSync). */
  private async syncFirewall(): Promise<void> {
    await this.firewall.sync([...this.active.values()], this.unbanning.targets(), (e) => this.applyAll(e));
    this.arm();
  }

  private infoFor(r: BanRecord, now: number): BanInfo {
    return {
      jail: this.jail,
      bantime: r.end === null ? -1 : Math.max(0.001, (r.end - now) / 1000),
      failures: r.failures,
    };
  }

  /** What the timer found due: ended bans, unbans to retry, a repair. */
  private async tick(): Promise<void> {
    const now = this.o.clock.now();
    for (const entry of [...this.active.values()]) {
      const end = entry.record.end;
      if (end !== null && end <= now) await this.lift(entry.record, "ban expired", "expired");
    }
    await this.retryUnbans();
    if (this.firewall.dueAt <= this.o.clock.now()) await this.syncFirewall();
    this.arm();
  }

  /** One timer, at the earliest thing due: an expiry, an unban retry, a repair. */
  private arm(): void {
    if (this.stopped) return;
    let next = this.firewall.dueAt;
    for (const e of this.active.values())
      if (e.record.end !== null && e.record.end < next) next = e.record.end;
    next = Math.min(next, this.unbanning.nextAt());
    if (next === this.timerAt && this.timer) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = next;
    if (next === Number.POSITIVE_INFINITY) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - this.o.clock.now()));
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.run(() => this.tick());
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
