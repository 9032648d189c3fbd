/**
 * Applies `fail2ban: { path }` to a validated config, before its cross-checks and deep checks run (so
 * `config check`, serve, reload and every CLI command see the imported jails): the enabled fail2ban
 * jails are added unless mamori.yaml defines a jail of the same name (mamori.yaml wins), with their log
 * sources (a source mamori.yaml already has for the same files or journal matches is reused) and their
 * mail topics. Returns the errors; warnings go to onWarning.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Locator } from "../../config/load.js";
import type { MamoriConfig, SourceConfig } from "../../config/schema.js";
import { smtpSchema } from "../../config/schema.js";
import type { ConfigProblem } from "../../core/errors.js";
import { importFail2banJails } from "./index.js";

export interface ApplyOptions {
  /** the mamori.yaml the config came from; fail2ban.path is relative to its folder */
  configFile: string;
  /** places a problem at a key of mamori.yaml */
  locate?: Locator;
  onWarning?: (problem: ConfigProblem) => void;
  hostname?: string;
}

function at(opts: ApplyOptions, p: readonly (string | number)[], message: string): ConfigProblem {
  return opts.locate ? opts.locate(p, message) : { file: opts.configFile, line: 1, col: 1, message };
}

function pathsOf(s: SourceConfig): string | undefined {
  if (s.type === "file") return `file\0${[s.path].flat().sort().join("\0")}`;
  if (s.type === "journald") return `journald\0${s.directory ?? ""}\0${s.matches.join("\0")}`;
  return undefined;
}

export function applyFail2banImport(config: MamoriConfig, opts: ApplyOptions): ConfigProblem[] {
  if (!config.fail2ban) return [];
  const base = path.resolve(path.dirname(path.resolve(opts.configFile)), config.fail2ban.path);
  if (!existsSync(path.join(base, "jail.conf")) && !existsSync(path.join(base, "jail.local")))
    return [
      at(
        opts,
        ["fail2ban", "path"],
        `no jail.conf or jail.local in ${base}: set fail2ban.path to fail2ban's config folder (e.g. /etc/fail2ban)`,
      ),
    ];
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
    if (existing !== undefined) jail.group = existing;
    else if (source && !addedGroups.has(source.group)) {
      addedGroups.add(source.group);
      config.sources.push(source);
    }
    config.jails.push(jail);
  }
  addTopics(config, imported.topics, imported.sender, opts);
  return errors;
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
