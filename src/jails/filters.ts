/**
 * A jail's filter, loaded once: a fail2ban filter name (looked up in filter_dirs) or a filter file.
 * Paths in the config are absolute by now (the loader resolved them against the config file's folder).
 */
import path from "node:path";
import type { JailConfig, MamoriConfig } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import type { Locator } from "../core/config.js";
import { ConfigError, type ConfigProblem, errorMessage, formatProblem } from "../core/errors.js";
import { loadJailFilter } from "../fail2ban/filter/index.js";
import type { JailFilter } from "./jail.js";

export function loadFilterOf(
  jail: JailConfig,
  config: Pick<MamoriConfig, "filter_dirs">,
  now: () => number,
): JailFilter {
  return loadJailFilter({ filter: jail.filter, mode: jail.mode, filterDirs: config.filter_dirs, now });
}

/** The filters of the enabled jails by jail name, compiled once; what cannot load is a problem at its `filter:`. */
export interface CompiledJailFilters {
  filters: Map<string, JailFilter>;
  problems: ConfigProblem[];
}

export function compileJailFilters(
  config: MamoriConfig,
  locate: Locator,
  now: () => number,
): CompiledJailFilters {
  const out: CompiledJailFilters = { filters: new Map(), problems: [] };
  config.jails.forEach((jail, i) => {
    if (!jail.enabled) return;
    try {
      out.filters.set(jail.name, loadFilterOf(jail, config, now));
    } catch (err) {
      const why = err instanceof ConfigError ? err.problems.map(formatProblem).join("; ") : errorMessage(err);
      out.problems.push(locate(["jails", i, "filter"], `filter "${jail.filter}" cannot be used: ${why}`));
    }
  });
  return out;
}

/** A filter name, or a path relative to the config file's folder. */
/** Filter dirs as written in the config are relative to the config file's folder. */
export function filterDirsOf(config: Pick<MamoriConfig, "filter_dirs">, configDir: string): string[] {
  return config.filter_dirs.map((d) => path.resolve(configDir, d));
}

export function filterSpec(cfg: JailConfig, configDir: string): string {
  const isPath = cfg.filter.includes("/") || cfg.filter.endsWith(".conf");
  return isPath ? path.resolve(configDir, cfg.filter) : cfg.filter;
}

/** A jail's filter as a jail part loads it (also what replay's filter thread loads: this module is light). */
export function defaultFilter(
  cfg: JailConfig,
  o: { configDir: string; filterDirs: readonly string[]; clock: Pick<Clock, "now"> },
): JailFilter {
  return loadJailFilter({
    filter: filterSpec(cfg, o.configDir),
    mode: cfg.mode,
    filterDirs: [...o.filterDirs],
    now: () => o.clock.now(),
  });
}
