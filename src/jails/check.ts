/**
 * `config check` for jails: every enabled jail's filter loads (its Python regexes translate). Ports,
 * the action's keys, unique names and topics are checked by config validation. Problems point at the
 * jail's key in mamori.yaml.
 */
import type { MamoriConfig } from "../config/schema.js";
import { systemClock } from "../core/clock.js";
import type { Locator } from "../core/config.js";
import type { ConfigProblem } from "../core/errors.js";
import { compileJailFilters } from "./filters.js";

export function jailChecks(config: MamoriConfig, locate: Locator): ConfigProblem[] {
  return compileJailFilters(config, locate, () => systemClock.now()).problems;
}
