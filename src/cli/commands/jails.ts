/**
 * `mamori jails status [JAIL]`, shaped like `fail2ban-client status [JAIL]`. Bans come from the store;
 * the failure counters are what the running daemon last saved (within a second of a failure, and on
 * stop), so they read 0 until `mamori serve` has run.
 */
import type { Command } from "commander";
import { systemClock } from "../../core/clock.js";
import { printable } from "../printable.js";
import { withStore } from "../store-access.js";
import { findJail } from "./bans.js";

interface Options {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

export interface JailStatus {
  jail: string;
  enabled: boolean;
  filter: string;
  group: string;
  action: string;
  currentlyFailed: number;
  totalFailed: number;
  currentlyBanned: number;
  totalBanned: number;
  bannedIps: string[];
  /** when the daemon last saved the failure counters (ISO), null if never */
  countersSavedAt: string | null;
}

export function formatJailStatus(s: JailStatus): string {
  return [
    `Status for the jail: ${printable(s.jail)}`,
    "|- Filter",
    `|  |- Currently failed:\t${s.currentlyFailed}`,
    `|  |- Total failed:\t${s.totalFailed}`,
    `|  \`- Log group:\t${printable(s.group)}`,
    "`- Actions",
    `   |- Currently banned:\t${s.currentlyBanned}`,
    `   |- Total banned:\t${s.totalBanned}`,
    `   \`- Banned IP list:\t${s.bannedIps.map(printable).join(" ")}`,
    "",
  ].join("\n");
}

export function registerJails(program: Command): void {
  const jails = program
    .command("jails")
    .description("jails and their counters (like fail2ban-client status)");
  jails
    .command("status")
    .description("all jails, or one jail's failures and bans")
    .argument("[jail]", "one jail (default: all)")
    .option("-c, --config <file>", "config file (default ./mamori.yaml, else the built-in default)")
    .option("--data-dir <dir>", "read this data directory instead of the config's")
    .option("--json", "JSON (one object per jail, one per line)")
    .action(async (name: string | undefined, o: Options) => {
      await withStore(o, async (store, loaded) => {
        const config = loaded.config;
        const selected = name ? [findJail(config, name)] : config.jails;
        const now = systemClock.now();
        const statuses: JailStatus[] = [];
        for (const j of selected) {
          const active = (await store.bans.active(j.name)).filter(
            (b) => b.state !== "pending-unban" && (b.end === null || b.end > now),
          );
          const [stats] = await store.bans.jailStats(j.name);
          statuses.push({
            jail: j.name,
            enabled: j.enabled,
            filter: j.filter,
            group: j.group,
            action: j.action,
            currentlyFailed: stats?.currentlyFailed ?? 0,
            totalFailed: stats?.totalFailed ?? 0,
            currentlyBanned: active.length,
            totalBanned: await store.bans.totalBans(j.name),
            bannedIps: active.map((b) => b.ip),
            countersSavedAt: stats ? new Date(stats.updatedAt).toISOString() : null,
          });
        }
        if (o.json) {
          for (const s of statuses) process.stdout.write(`${JSON.stringify(s)}\n`);
          return;
        }
        if (name) {
          process.stdout.write(formatJailStatus(statuses[0]));
          return;
        }
        const enabled = statuses.filter((s) => s.enabled);
        process.stdout.write(
          `Status\n|- Number of jail:\t${enabled.length}\n\`- Jail list:\t${enabled.map((s) => printable(s.jail)).join(", ")}\n`,
        );
      });
    });
}
