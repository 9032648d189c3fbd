/**
 * `config check` for jails: every enabled jail's filter loads (its Python regexes translate) and its
 * ports resolve (within multiport's 15 for the iptables actions); a hosts-deny jail's file is in a folder
 * that exists (else the jail would fail only when the daemon starts it). Unique names and the exec key
 * are checked by config validation. Problems point at the jail's key in mamori.yaml.
 */

/**
 * `config check` for jails: every enabled jail's filter loads (its Python regexes translate) and its
 * ports resolve (within multiport's 15 for the iptables actions); a hosts-deny jail's file is in a folder
 * that exists (else the jail would fail only when the daemon starts it). Unique names and the exec key
 * are checked by config validation. Problems point at the jail's key in mamori.yaml.
 */
import fs, { constants } from "node:fs";
import path from "node:path";
import { multiportPorts, parsePorts } from "../actions/ports.js";
import type { Locator } from "../config/load.js";
import type { MamoriConfig } from "../config/schema.js";
import { systemClock } from "../core/clock.js";
import { ConfigError, type ConfigProblem, errorMessage, formatProblem } from "../core/errors.js";
import { defaultFilter, filterDirsOf } from "./part.js";

/** The folder a hosts-deny jail writes in must exist and be writable; returns what is wrong, or undefined. */
export function hostsDenyFolderProblem(file: string): string | undefined {
  const dir = path.dirname(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return `the folder of ${file} (${dir}) does not exist; create it, or point hosts_deny at a file in an existing folder`;
  }
  if (!stat.isDirectory()) return `${dir} is not a folder; point hosts_deny at a file in a folder`;
  try {
    fs.accessSync(dir, constants.W_OK);
  } catch {
    return `cannot write in ${dir}: run mamori as root, or point hosts_deny at a file in a writable folder`;
  }
  return undefined;
}

export function jailChecks(config: MamoriConfig, locate: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const file = locate([], "").file;
  const configPath = file && !file.startsWith("<") ? file : undefined;
  const configDir = configPath ? path.dirname(path.resolve(configPath)) : process.cwd();
  const filterDirs = filterDirsOf(config, configDir);
  config.jails.forEach((jail, i) => {
    if (!jail.enabled) return;
    try {
      defaultFilter(jail, { configDir, filterDirs, clock: systemClock });
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
    if (jail.action === "hosts-deny") {
      const problem = hostsDenyFolderProblem(path.resolve(configDir, jail.hosts_deny ?? "/etc/hosts.deny"));
      if (problem) problems.push(locate(["jails", i, jail.hosts_deny ? "hosts_deny" : "action"], problem));
    }
  });
  return problems;
}
