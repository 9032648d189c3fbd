/**
 * The config as the daemon and the commands take it: src/config/ loads and validates (YAML, env,
 * schema, the components' own checks, paths), the fail2ban import is a step that returns a new config,
 * and the deep checks compile what the config names (filter patterns, jail filters). Each command asks
 * for what it needs: `logs` only reads data_dir and compiles nothing; `serve` compiles each jail filter
 * once and hands the compiled filters to the daemon.
 */
import { type ConfigStep, type LoadedConfig, type LoadOptions, resolveConfig } from "./config/load.js";
import type { MamoriConfig } from "./config/schema.js";
import type { DeepCheck } from "./core/config.js";
import { applyFail2banImport } from "./fail2ban/import/apply.js";
import { auditChecks } from "./hids/audit/check.js";
import { jailActionChecks, jailChecks } from "./jails/check.js";
import { compileJailFilters } from "./jails/filters.js";
import type { JailFilter } from "./jails/jail.js";
import { metricAndAlarmChecks } from "./metrics/check.js";

/** `fail2ban: { path }` adds the jails enabled there, so every command and check sees them. */
export const fail2banImportStep: ConfigStep = (config, ctx) =>
  applyFail2banImport(config, { locate: ctx.locate, onWarning: ctx.onWarning });

/** Checks that compile what the config names, so `config check` and a reload catch a bad pattern or filter. */
export const deepChecks: Array<DeepCheck<MamoriConfig>> = [metricAndAlarmChecks, jailChecks, auditChecks];

export interface ConfigLoadOptions extends Pick<LoadOptions, "env" | "onWarning"> {
  /** also compile patterns and jail filters (config check, replay); default false */
  deep?: boolean;
}

/** The config file given (else ./mamori.yaml, else the built-in default), with the fail2ban import applied. */
export function loadConfig(file: string | undefined, opts: ConfigLoadOptions = {}): LoadedConfig {
  return resolveConfig(file, {
    env: opts.env,
    onWarning: opts.onWarning,
    steps: [fail2banImportStep],
    checks: opts.deep ? deepChecks : [],
  });
}

/** What `serve` starts (and reloads) with: the checked config and its jail filters, each compiled once. */
export function loadForServe(
  file: string | undefined,
  opts: Pick<LoadOptions, "env" | "onWarning"> & { now: () => number },
): LoadedConfig & { jailFilters: Map<string, JailFilter> } {
  let jailFilters = new Map<string, JailFilter>();
  const loaded = resolveConfig(file, {
    env: opts.env,
    onWarning: opts.onWarning,
    steps: [fail2banImportStep],
    checks: [
      metricAndAlarmChecks,
      (config, locate) => {
        const compiled = compileJailFilters(config, locate, opts.now);
        jailFilters = compiled.filters;
        return compiled.problems;
      },
      jailActionChecks,
      auditChecks,
    ],
  });
  return { ...loaded, jailFilters };
}
