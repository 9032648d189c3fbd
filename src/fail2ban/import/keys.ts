/**
 * The jail keys mamori does not take over, reported so that nothing a fail2ban user wrote is dropped
 * silently: fail2ban options mamori has no equivalent for, and unknown keys of the jail's own section
 * that no `%(name)s` refers to (keys that are only used as variables are fine).
 */
import type { JailReading } from "./reading.js";

/** Options the importer reads (jail.ts, actions.ts). */
const READ = new Set([
  "enabled",
  "filter",
  "logpath",
  "backend",
  "maxretry",
  "findtime",
  "bantime",
  "bantime.increment",
  "bantime.factor",
  "bantime.multipliers",
  "bantime.maxtime",
  "bantime.rndtime",
  "bantime.overalljails",
  "ignoreip",
  "ignoreself",
  "action",
  "banaction",
  "destemail",
  "sender",
  "usedns",
  "datepattern",
  "maxlines",
  "journalmatch",
  "prefregex",
  "failregex",
  "ignoreregex",
  "logencoding",
]);

/** fail2ban options without a mamori equivalent: the warning to give, or undefined when harmless. */
const UNSUPPORTED: Record<string, (raw: string) => string | undefined> = {
  "bantime.formula": () =>
    "bantime.formula is not supported: mamori computes bantime * 2^count * factor; write the curve as bantime.multipliers",
  ignorecommand: (raw) =>
    raw.trim()
      ? "ignorecommand is not run: mamori lets no external command decide on bans; list the addresses in ignoreip"
      : undefined,
  ignorecache: () => "ignorecache is left out: mamori runs no ignorecommand to cache",
  logtimezone: () =>
    "logtimezone is not supported: mamori reads times without a zone in the line as local time",
  maxmatches: (raw) =>
    raw.trim() === "%(maxretry)s"
      ? undefined
      : "maxmatches is left out: mamori's ban e-mails carry every matched line",
};

const REFERENCE = /%\(([^)]+)\)s/g;

/** Names that some value of the jail or of [DEFAULT] refers to with %(name)s. */
function referencedNames(r: JailReading): Set<string> {
  const names = new Set<string>();
  for (const opt of r.allOptions()) {
    const raw = r.raw(opt) ?? "";
    for (const m of raw.matchAll(REFERENCE)) names.add(m[1].toLowerCase().replace(/^(default|known)\//, ""));
  }
  return names;
}

export function reportUnusedKeys(r: JailReading): void {
  for (const opt of r.allOptions()) {
    const check = Object.hasOwn(UNSUPPORTED, opt) ? UNSUPPORTED[opt] : undefined;
    const raw = r.raw(opt);
    const message = check && raw !== undefined ? check(raw) : undefined;
    if (message) r.warn(opt, message);
  }
  const referenced = referencedNames(r);
  for (const opt of r.ownOptions()) {
    if (
      READ.has(opt) ||
      UNSUPPORTED[opt] ||
      referenced.has(opt) ||
      opt.startsWith("known/") ||
      opt.includes("?")
    )
      continue;
    r.warn(opt, `key "${opt}" has no meaning for mamori and nothing refers to it; left out`);
  }
}
