/** Opens the store a config points at, for the read-side commands (logs, alarms, bans, metrics). */
import path from "node:path";
import type { LoadedConfig } from "../config/load.js";
import { systemClock } from "../core/clock.js";
import { parseDuration } from "../core/duration.js";
import { UsageError } from "../core/errors.js";
import { loadConfig } from "../load-config.js";
import { openSqliteStore, type SqliteStore } from "../store/sqlite/index.js";

export interface StoreOptions {
  config?: string;
  dataDir?: string;
}

/**
 * Runs fn with the store of the config (or --data-dir), closing it afterwards. The config is validated
 * (with its fail2ban jails) but nothing in it is compiled: reading the store needs no jail filter.
 */
export async function withStore<T>(
  opts: StoreOptions,
  fn: (store: SqliteStore, loaded: LoadedConfig) => Promise<T>,
): Promise<T> {
  const loaded = loadConfig(opts.config);
  const store = openSqliteStore(path.resolve(opts.dataDir ?? loaded.config.data_dir));
  try {
    return await fn(store, loaded);
  } finally {
    await store.close();
  }
}

/**
 * A time on the command line: ms since epoch (as `aws logs` takes), ISO 8601, or a duration meaning
 * "that long ago" (`15m`, `2h`, `1d`).
 */
export function parseTimeArg(value: string, name: string, now: number = systemClock.now()): number {
  const v = value.trim();
  if (/^\d{10,}$/.test(v)) return Number(v);
  if (/^\d{4}-\d\d-\d\d/.test(v)) {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  try {
    return now - parseDuration(v) * 1000;
  } catch {
    throw new UsageError(
      `${name} "${value}" is not a time: give ms since epoch, an ISO 8601 time (2026-11-25T08:00:00Z) or a duration ago (15m, 2h, 1d)`,
    );
  }
}

export function parsePositiveInt(value: string, name: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0)
    throw new UsageError(`${name} must be a positive whole number, not "${value}"`);
  return Number(value);
}
