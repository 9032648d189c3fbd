/**
 * `config check` for jails: every enabled jail's filter loads (its Python regexes translate), and a
 * hosts-deny jail's file is in a folder that exists and can be written (else the jail would fail only when
 * the daemon starts it, and a reload would be refused). Ports, the action's keys, unique names and topics
 * are checked by config validation. Problems point at the jail's key in mamori.yaml.
 */
import fs, { constants } from "node:fs";
import path from "node:path";
import type { MamoriConfig } from "../config/schema.js";
import { systemClock } from "../core/clock.js";
import type { Locator } from "../core/config.js";
import type { ConfigProblem } from "../core/errors.js";
import { compileJailFilters } from "./filters.js";

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

/** What the jails' actions need from the host before they can start (today: hosts-deny's folder). */
export function jailActionChecks(config: MamoriConfig, locate: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.jails.forEach((jail, i) => {
    if (!jail.enabled || jail.action !== "hosts-deny") return;
    const problem = hostsDenyFolderProblem(path.resolve(jail.hosts_deny ?? "/etc/hosts.deny"));
    if (problem) problems.push(locate(["jails", i, jail.hosts_deny ? "hosts_deny" : "action"], problem));
  });
  return problems;
}

export function jailChecks(config: MamoriConfig, locate: Locator): ConfigProblem[] {
  return [
    ...compileJailFilters(config, locate, () => systemClock.now()).problems,
    ...jailActionChecks(config, locate),
  ];
}
