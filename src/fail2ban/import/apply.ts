/**
 * The fail2ban import as a load step: `fail2ban: { path }` on a validated config (paths already
 * resolved) gives a new config, before its cross-checks and deep checks run (so `config check`, serve,
 * reload and every CLI command see the imported jails): the enabled fail2ban jails are added unless
 * mamori.yaml defines a jail of the same name (mamori.yaml wins), with their log sources (a source
 * mamori.yaml already has for the same files or journal matches is reused) and their mail topics.
 * The config given is not changed. Returns the new config and the errors; warnings go to onWarning.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { MamoriConfig, SourceConfig } from "../../config/schema.js";
import { smtpSchema } from "../../config/schema.js";
import type { Locator } from "../../core/config.js";
import type { ConfigProblem } from "../../core/errors.js";
import { importFail2banJails } from "./index.js";

export interface ApplyOptions {
  /** places a problem at a key of mamori.yaml */
  locate: Locator;
  onWarning?: (problem: ConfigProblem) => void;
  hostname?: string;
}

export interface Applied {
  config: MamoriConfig;
  problems: ConfigProblem[];
}

function at(opts: ApplyOptions, p: readonly (string | number)[], message: string): ConfigProblem {
  return opts.locate(p, message);
}

function pathsOf(s: SourceConfig): string | undefined {
  if (s.type === "file") return `file\0${[s.path].flat().sort().join("\0")}`;
  if (s.type === "journald") return `journald\0${s.directory ?? ""}\0${s.matches.join("\0")}`;
  return undefined;
}

export function applyFail2banImport(given: MamoriConfig, opts: ApplyOptions): Applied {
  if (!given.fail2ban) return { config: given, problems: [] };
  const base = path.resolve(given.fail2ban.path);
  if (!existsSync(path.join(base, "jail.conf")) && !existsSync(path.join(base, "jail.local")))
    return {
      config: given,
      problems: [
        at(
          opts,
          ["fail2ban", "path"],
          `no jail.conf or jail.local in ${base}: set fail2ban.path to fail2ban's config folder (e.g. /etc/fail2ban)`,
        ),
      ],
    };
  const config: MamoriConfig = {
    ...given,
    sources: [...given.sources],
    jails: [...given.jails],
    topics: [...given.topics],
  };
  const imported = importFail2banJails(base, { hostname: opts.hostname ?? config.hostname });
  const errors: ConfigProblem[] = [];
  for (const { severity, ...p } of imported.problems) {
    if (severity === "error") errors.push(p);
    else opts.onWarning?.(p);
  }
  const own = new Set(config.jails.map((j) => j.name));
  const groupOfExisting = new Map<string, string>();
  for (const s of config.sources) {
    const key = pathsOf(s);
    if (key && !groupOfExisting.has(key) && "group" in s) groupOfExisting.set(key, s.group);
  }
  const importedSource = new Map(imported.sources.map((s) => [s.group, s]));
  const addedGroups = new Set<string>();
  for (const jail of imported.jails) {
    if (own.has(jail.name)) {
      const i = config.jails.findIndex((j) => j.name === jail.name);
      opts.onWarning?.(
        at(
          opts,
          ["jails", i, "name"],
          `this jail is used instead of the fail2ban jail [${jail.name}] in ${base}`,
        ),
      );
      continue;
    }
    const source = importedSource.get(jail.group);
    const existing = source && groupOfExisting.get(pathsOf(source) ?? "");
    if (existing === undefined && source && !addedGroups.has(source.group)) {
      addedGroups.add(source.group);
      config.sources.push(source);
    }
    config.jails.push(existing !== undefined ? { ...jail, group: existing } : jail);
  }
  addTopics(config, imported.topics, imported.sender, opts);
  return { config, problems: errors };
}

function addTopics(
  config: MamoriConfig,
  topics: MamoriConfig["topics"],
  sender: string | undefined,
  opts: ApplyOptions,
): void {
  const used = new Set(config.jails.flatMap((j) => j.notify));
  const known = new Set(config.topics.map((t) => t.name));
  // a topic of the same name in mamori.yaml is the one the jails notify
  for (const t of topics) if (used.has(t.name) && !known.has(t.name)) config.topics.push(t);
  if (!sender || !topics.some((t) => used.has(t.name))) return;
  if (!config.smtp) config.smtp = smtpSchema.parse({ from: sender });
  else if (config.smtp.from !== sender)
    opts.onWarning?.(
      at(
        opts,
        ["smtp", "from"],
        `ban e-mails of the fail2ban jails are sent from ${config.smtp.from}, not from fail2ban's sender ${sender}`,
      ),
    );
}
