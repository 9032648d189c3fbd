/**
 * Comparing what the firewall holds with what the store says, and repairing the difference: a firewall
 * reload (`nft flush ruleset`, `systemctl reload nftables`, ufw/firewalld reloads, `iptables -F`,
 * `ipset destroy`) removes mamori's table or rules behind its back, and nothing but such a comparison
 * notices. The ban manager runs `FirewallSync.sync` on its queue: periodically, and at once after an
 * action fails. Also the retry delays (doubling, capped) of repairs and pending unbans.
 */
import type { Logger } from "pino";
import { coversTarget } from "../actions/target.js";
import type { ActionReport, BanAction } from "../actions/types.js";
import type { Clock } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { BanRecord } from "../store/store.js";

export type DriftKind =
  /** the action's table/chain/set/rule is gone (check() not ok): recreated, every ban re-applied */
  | "missing-state"
  /** bans the store holds are not in the firewall: re-applied */
  | "missing-bans"
  /** the firewall holds entries in mamori's own set/chain that no ban of the store explains: left in place */
  | "unknown-bans";

/** What a firewall check found different from the store; given to `onDrift` and logged. */
export interface FirewallDrift {
  jail: string;
  action: string;
  kind: DriftKind;
  /** the targets concerned (for missing-state: every ban that is re-applied) */
  targets: string[];
  detail?: string;
  /** ms, the clock's time of the check */
  time: number;
}

/** check() may answer a bare boolean (exec); a throw is a failed check. */
export function toReport(result: boolean | ActionReport): ActionReport {
  return typeof result === "boolean" ? { ok: result } : result;
}

/** Bans within this long of their end are not reported missing: the kernel's timeout may have won the race. */
export const EXPIRY_SLACK_MS = 2000;

/**
 * Stored targets the firewall does not hold (an element covering the target counts: a ban inside a
 * banned prefix is held by the prefix), and firewall entries no stored or pending ban explains.
 * Undefined `banned` (the action cannot list) finds nothing.
 */
export function compareFirewall(
  banned: readonly string[] | undefined,
  stored: ReadonlyArray<{ ip: string; end: number | null }>,
  pendingUnbans: readonly string[],
  now: number,
): { missing: string[]; unknown: string[] } {
  if (!banned) return { missing: [], unknown: [] };
  const held = new Set(banned);
  const missing = stored
    .filter((r) => r.end === null || r.end - now > EXPIRY_SLACK_MS)
    .filter((r) => !held.has(r.ip) && !banned.some((b) => coversTarget(b, r.ip)))
    .map((r) => r.ip);
  const known = new Set([...stored.map((r) => r.ip), ...pendingUnbans]);
  const unknown = banned.filter(
    (b) => !known.has(b) && !stored.some((r) => coversTarget(b, r.ip) || coversTarget(r.ip, b)),
  );
  return { missing, unknown };
}

/** Retry delay after `failures` failures in a row: base, 2·base, 4·base, … capped at max. */
export function retryDelay(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(30, failures - 1)));
}

/** Repairs of the firewall: 2 s, 4 s, … at most a minute apart (protection is off meanwhile). */
const REPAIR_RETRY = { baseMs: 2000, maxMs: 60_000 };

/** A ban as the manager holds it: applied = the firewall holds it (or a prefix covering it). */
export interface SyncedBan {
  record: Pick<BanRecord, "ip" | "end">;
  applied: boolean;
}

export interface FirewallSyncOptions {
  jail: string;
  action: BanAction;
  clock: Clock;
  log: Logger;
  onDrift?: (drift: FirewallDrift) => void;
  counters: { drifts: number; repairs: number };
}

export class FirewallSync {
  /** failed repairs in a row */
  failures = 0;
  /** ms: when the next repair is due (Infinity: none needed) */
  dueAt = Number.POSITIVE_INFINITY;
  /** the unknown firewall entries last reported, so a steady state is logged once */
  private lastUnknown = "";

  constructor(private readonly o: FirewallSyncOptions) {}

  /**
   * State missing → start() and every ban again; bans missing → those again; entries nobody explains →
   * reported, left in place (failing closed). Then every unapplied ban is retried through `applyAll`.
   * A failure schedules the next attempt with backoff (`dueAt`).
   */
  async sync<T extends SyncedBan>(
    entries: T[],
    pendingUnbans: string[],
    applyAll: (entries: T[]) => Promise<boolean>,
  ): Promise<void> {
    this.dueAt = Number.POSITIVE_INFINITY;
    let ok = false;
    try {
      const report = toReport(
        await this.o.action.check().catch((err: unknown) => ({ ok: false, detail: errorMessage(err) })),
      );
      const now = this.o.clock.now();
      if (!report.ok) {
        this.drift(
          "missing-state",
          entries.map((e) => e.record.ip),
          now,
          report.detail,
        );
        this.o.counters.repairs++;
        await this.o.action.start();
        for (const e of entries) e.applied = false;
      } else {
        const applied = entries.filter((e) => e.applied).map((e) => e.record);
        const found = compareFirewall(report.banned, applied, pendingUnbans, now);
        if (found.missing.length > 0) this.drift("missing-bans", found.missing, now);
        const missing = new Set(found.missing);
        for (const e of entries) if (missing.has(e.record.ip)) e.applied = false;
        this.reportUnknown(found.unknown, now);
      }
      ok = await applyAll(entries.filter((e) => !e.applied));
    } catch (err) {
      this.o.log.error(
        { err: errorMessage(err), jail: this.o.jail, action: this.o.action.name },
        "recreating the firewall state of jail %s failed",
        this.o.jail,
      );
    }
    this.failures = ok ? 0 : this.failures + 1;
    if (!ok) this.retryLater();
  }

  private retryLater(): void {
    const delay = retryDelay(this.failures, REPAIR_RETRY.baseMs, REPAIR_RETRY.maxMs);
    this.dueAt = this.o.clock.now() + delay;
    this.o.log.error(
      { jail: this.o.jail, action: this.o.action.name, failures: this.failures },
      "bans of jail %s are not all in force; repairing again in %d s",
      this.o.jail,
      Math.round(delay / 1000),
    );
  }

  private drift(kind: DriftKind, targets: string[], time: number, detail?: string): void {
    this.o.counters.drifts++;
    const action = this.o.action.name;
    this.o.log.error(
      { jail: this.o.jail, action, kind, count: targets.length, detail, targets: targets.slice(0, 20) },
      kind === "missing-state"
        ? "FIREWALL DRIFT: the %s firewall state of jail %s is gone (a firewall reload or flush?); recreating it and re-applying %d bans"
        : "FIREWALL DRIFT: the %s firewall of jail %s lost %d bans; re-applying them",
      action,
      this.o.jail,
      targets.length,
    );
    this.o.onDrift?.({ jail: this.o.jail, action, kind, targets, time, detail });
  }

  /** Entries in mamori's own set/chain that no ban explains: logged once per change, never removed. */
  private reportUnknown(unknown: string[], time: number): void {
    const key = unknown.slice().sort().join(",");
    if (key === this.lastUnknown) return;
    this.lastUnknown = key;
    if (unknown.length === 0) return;
    this.o.counters.drifts++;
    const action = this.o.action.name;
    this.o.log.warn(
      { jail: this.o.jail, action, targets: unknown.slice(0, 20), count: unknown.length },
      "the firewall of jail %s holds %d entries no ban explains (added by hand?); they are left in place",
      this.o.jail,
      unknown.length,
    );
    this.o.onDrift?.({ jail: this.o.jail, action, kind: "unknown-bans", targets: unknown, time });
  }
}
