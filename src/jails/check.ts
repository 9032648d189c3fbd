/**
 * `config check` for jails: every enabled jail's filter loads (its Python regexes translate) and its
 * ports resolve (within multiport's 15 for the iptables actions). Unique names and the exec key are
 * checked by config validation. Problems point at the jail's key in mamori.yaml.
 */
import path from "node:path";
import { multiportPorts, parsePorts } from "../actions/ports.js";
import type { Locator } from "../config/load.js";
import type { MamoriConfig } from "../config/schema.js";
import { systemClock } from "../core/clock.js";
import { ConfigError, type ConfigProblem, errorMessage, formatProblem } from "../core/errors.js";
import { defaultFilter } from "./service.js";

export function jailChecks(config: MamoriConfig, locate: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const file = locate([], "").file;
  const configPath = file && !file.startsWith("<") ? file : undefined;
  config.jails.forEach((jail, i) => {
    if (!jail.enabled) return;
    try {
      defaultFilter(jail, { config, configPath: configPath && path.resolve(configPath), clock: systemClock });
    } catch (err) {
      const why = err instanceof ConfigError ? err.problems.map(formatProblem).join("; ") : errorMessage(err);
      problems.push(locate(["jails", i, "filter"], `filter "${jail.filter}" cannot be used: ${why}`));
    }
    try {
      const ports = parsePorts(jail.port, jail.protocol);
      if (ports && (jail.action === "ipset" || jail.action === "iptables")) multiportPorts(ports);
    } catch (err) {
      problems.push(locate(["jails", i, jail.port === undefined ? "protocol" : "port"], errorMessage(err)));
    }
  });
  return problems;
}
