/**
 * `mamori bans list|add|del`. Bans live in the store; add/del also apply the jail's action at once
 * (actions are idempotent). A running daemon reads the store every 2 s and takes such bans over
 * (timer for the unban, retries) or lifts the ones deleted here; when no daemon runs, the firewall's own
 * timeouts (nftables, ipset) or the next daemon start (restore) end them. An unban the action fails
 * leaves the ban in the store as "pending-unban", which the daemon retries (also on start) until it works.
 */
import type { Command } from "commander";
import pino from "pino";
import { parseTarget } from "../../actions/target.js";
import type { JailConfig, MamoriConfig } from "../../config/schema.js";
import { systemClock } from "../../core/clock.js";
import { parseDuration } from "../../core/duration.js";
import { errorMessage, UsageError } from "../../core/errors.js";
import { banSeconds, countsAcrossJails } from "../../jails/bantime.js";
import { banRefusal, MIN_BAN_PREFIX } from "../../jails/guard.js";
import { buildIgnoreList } from "../../jails/ignore.js";
import type { BanRecord } from "../../store/store.js";
import { isoTime, printable } from "../printable.js";
import { withStore } from "../store-access.js";

interface Common {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

const iso = isoTime;

export function findJail(config: MamoriConfig, name: string): JailConfig {
  const jail = config.jails.find((j) => j.name === name);
  if (!jail) {
    const known = config.jails.map((j) => j.name);
    throw new UsageError(
      `no jail "${name}" in the config; ${known.length ? `jails: ${known.join(", ")}` : "define one under jails:"}`,
    );
  }
  return jail;
}

function requireAddress(ip: string): string {
  const t = parseTarget(ip);
  if (!t)
    throw new UsageError(
      `"${ip}" is not an IP address or CIDR (e.g. 203.0.113.7, 2001:db8::1, 2001:db8::/64)`,
    );
  return t.text;
}

/** The same guards as a jail's: never 0.0.0.0/broadcast/multicast, ignoreip/ignoreself, no huge prefix unforced. */
async function refuseGuarded(jail: JailConfig, target: string, force: boolean): Promise<void> {
  const ignore = await buildIgnoreList({ ignoreip: jail.ignoreip, ignoreself: jail.ignoreself });
  const refusal = banRefusal(target, { ignore, force });
  if (refusal) throw new UsageError(`refusing to ban in jail ${jail.name}: ${refusal}`);
}

export function banJson(b: BanRecord, now: number): Record<string, unknown> {
  return {
    jail: b.jail,
    ip: b.ip,
    state: b.state ?? "active",
    start: iso(b.start),
    end: b.end === null ? null : iso(b.end),
    remainingSeconds: b.end === null ? null : Math.max(0, Math.round((b.end - now) / 1000)),
    failures: b.failures,
    banCount: b.banCount,
  };
}

/**
 * The text table of `bans list`; STATE pending-unban = over, but still blocked until an unban succeeds.
 * Stored text is shown escaped (a jail or address never drives the terminal).
 */
function banTable(list: BanRecord[]): string {
  const rows = list.map((b) => ({ ...b, jail: printable(b.jail), ip: printable(b.ip) }));
  const w = Math.max(4, ...rows.map((b) => b.jail.length));
  const wi = Math.max(2, ...rows.map((b) => b.ip.length));
  const lines = rows.map(
    (b) =>
      `${b.jail.padEnd(w)}  ${b.ip.padEnd(wi)}  ${(b.state ?? "active").padEnd(13)}  ${iso(b.start).padEnd(24)}  ${(b.end === null ? "forever" : iso(b.end)).padEnd(24)}  ${b.failures}\n`,
  );
  const head = `${"JAIL".padEnd(w)}  ${"IP".padEnd(wi)}  ${"STATE".padEnd(13)}  ${"SINCE".padEnd(24)}  ${"UNTIL".padEnd(24)}  FAILURES\n`;
  return head + lines.join("");
}

function withCommon(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "config file (default ./mamori.yaml, else the built-in default)")
    .option("--data-dir <dir>", "use this data directory instead of the config's");
}

/** The jail's firewall action, loaded only by the commands that apply one (not by every CLI start). */
async function actionFor(jail: JailConfig) {
  const { createAction } = await import("../../actions/index.js");
  return createAction({ jail, log: pino({ level: "silent" }) });
}

export function registerBans(program: Command): void {
  const bans = program.command("bans").description("active bans: list, add, remove");

  withCommon(bans.command("list").description("active bans (all jails or one)"))
    .option("--jail <name>", "only this jail")
    .option("--json", "JSON lines")
    .action(async (o: Common & { jail?: string }) => {
      await withStore(o, async (store) => {
        const now = systemClock.now();
        const list = (await store.bans.active(o.jail)).filter(
          (b) => b.state === "pending-unban" || b.end === null || b.end > now,
        );
        if (o.json) {
          for (const b of list) process.stdout.write(`${JSON.stringify(banJson(b, now))}\n`);
          return;
        }
        if (list.length === 0) {
          process.stdout.write(`no active bans${o.jail ? ` in jail ${o.jail}` : ""}\n`);
          return;
        }
        process.stdout.write(banTable(list));
      });
    });

  withCommon(bans.command("add").description("ban an address (or prefix) in a jail, through its action"))
    .argument("<jail>", "jail name")
    .argument("<ip>", "IPv4/IPv6 address or CIDR to ban")
    .option("--bantime <duration>", "how long (600, 10m, 1d; -1 = forever); default the jail's bantime")
    .option(
      "--force",
      `ban a prefix wider than /${MIN_BAN_PREFIX.ipv4} (IPv4) or /${MIN_BAN_PREFIX.ipv6} (IPv6)`,
    )
    .action(async (jailName: string, ip: string, o: Common & { bantime?: string; force?: boolean }) => {
      await withStore(o, async (store, loaded) => {
        const jail = findJail(loaded.config, jailName);
        const target = requireAddress(ip);
        await refuseGuarded(jail, target, o.force ?? false);
        const now = systemClock.now();
        const banCount = await store.bans.previousBans(
          target,
          countsAcrossJails(jail) ? undefined : jail.name,
        );
        let seconds: number;
        try {
          seconds = o.bantime === undefined ? banSeconds(jail, banCount) : parseDuration(o.bantime);
        } catch (err) {
          throw new UsageError(`--bantime: ${errorMessage(err)}`);
        }
        if (seconds < 0 && seconds !== -1)
          throw new UsageError("--bantime must be positive, or -1 for forever");
        await store.bans.add({
          jail: jail.name,
          ip: target,
          start: now,
          end: seconds < 0 ? null : now + Math.round(seconds * 1000),
          failures: 0,
          banCount,
          lines: [],
        });
        const action = await actionFor(jail);
        try {
          await action.start();
          await action.ban(target, { jail: jail.name, bantime: seconds, failures: 0 });
        } catch (err) {
          process.exitCode = 1;
          process.stderr.write(
            `the ban is recorded, but the ${jail.action} action failed: ${errorMessage(err)}\n(a running mamori retries it within seconds; otherwise it is applied when mamori starts)\n`,
          );
          return;
        }
        process.stdout.write(
          `banned ${target} in ${jail.name} ${seconds < 0 ? "forever" : `for ${seconds} s`} (action ${jail.action})\n`,
        );
      });
    });

  withCommon(bans.command("del").alias("remove").description("lift a ban"))
    .argument("<jail>", "jail name")
    .argument("<ip>", "the banned address")
    .action(async (jailName: string, ip: string, o: Common) => {
      await withStore(o, async (store, loaded) => {
        const jail = findJail(loaded.config, jailName);
        const target = requireAddress(ip);
        const now = systemClock.now();
        const stored = (await store.bans.active(jail.name)).find((b) => b.ip === target);
        const action = await actionFor(jail);
        try {
          await action.unban(target, { jail: jail.name });
        } catch (err) {
          await store.bans.markUnbanPending(
            stored ?? {
              jail: jail.name,
              ip: target,
              start: now,
              end: now,
              failures: 0,
              banCount: 0,
              lines: [],
            },
          );
          process.exitCode = 1;
          process.stderr.write(
            `the ${jail.action} action failed to lift ${target}: ${errorMessage(err)}\n${target} stays blocked and is recorded as pending-unban (mamori bans list); a running mamori retries the unban with backoff until it succeeds, and mamori retries it when it starts\n`,
          );
          return;
        }
        const had = await store.bans.remove(jail.name, target);
        process.stdout.write(
          had
            ? `unbanned ${target} in ${jail.name}\n`
            : `${target} was not banned in ${jail.name} (nothing to do)\n`,
        );
      });
    });
}
