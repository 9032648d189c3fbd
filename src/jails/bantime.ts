/**
 * fail2ban's bantime.increment: bantime * 2^min(count, 20) * factor, or bantime * multipliers[count]
 * (the last multiplier for higher counts) * factor; capped by maxtime; plus a random share of rndtime
 * (so a botnet cannot compute when it is let back in). `count` is how many times the address was banned
 * before (in this jail, or in any jail with overalljails). -1 stays forever.
 */
import type { JailConfig } from "../config/schema.js";

export type BantimeConfig = Pick<JailConfig, "bantime" | "bantime_increment">;

/** Seconds (whole ms precision); -1 = forever. `rng` returns [0, 1). */
export function banSeconds(cfg: BantimeConfig, count: number, rng: () => number = Math.random): number {
  const base = cfg.bantime;
  if (base < 0) return -1;
  const inc = cfg.bantime_increment;
  if (!inc.enabled) return base;
  const n = Math.max(0, Math.floor(count));
  const mult =
    inc.multipliers && inc.multipliers.length > 0
      ? inc.multipliers[Math.min(n, inc.multipliers.length - 1)]
      : 2 ** Math.min(n, 20);
  let seconds = base * mult * inc.factor;
  if (inc.maxtime !== undefined && inc.maxtime > 0) seconds = Math.min(seconds, inc.maxtime);
  if (inc.rndtime !== undefined && inc.rndtime > 0) seconds += rng() * inc.rndtime;
  return Math.round(seconds * 1000) / 1000;
}

/** Whether the ban history is counted across jails. */
export function countsAcrossJails(cfg: BantimeConfig): boolean {
  return cfg.bantime_increment.enabled && cfg.bantime_increment.overalljails;
}
