/**
 * `fail2ban: { path: /etc/fail2ban }`: the jails enabled in an existing fail2ban setup, as mamori jails,
 * log sources and mail topics. Reads jail.conf, jail.d/*.conf, jail.local, jail.d/*.local in fail2ban's
 * order (src/fail2ban/reader.ts) and the filters of <path>/filter.d.
 */
import os from "node:os";
import path from "node:path";
import {
  type FileSourceConfig,
  fileSourceSchema,
  type JailConfig,
  type JournaldSourceConfig,
  jailSchema,
  journaldSourceSchema,
  type TopicConfig,
  topicSchema,
} from "../../config/schema.js";
import { ConfigError } from "../../core/errors.js";
import type { Fail2banConfig } from "../reader.js";
import { readFail2banConfig } from "../reader.js";
import { type ImportedJail, type ImportedSource, readJail } from "./jail.js";
import { reportUnusedKeys } from "./keys.js";
import { forgetConfigLines, type ImportProblem, JailReading } from "./reading.js";
import { parseBool } from "./values.js";

export type { ImportProblem } from "./reading.js";

export const MAIL_TOPIC = "fail2ban-mail";
/** what %(fail2ban_version)s gives in values (fail2ban adds it as a default) */
const FAIL2BAN_VERSION = "1.0.2";

export type ImportedSourceConfig = FileSourceConfig | JournaldSourceConfig;

export interface ImportOptions {
  /** fills `<fq-hostname>` in the sender address; default os.hostname() */
  hostname?: string;
}

export interface Fail2banImport {
  jails: JailConfig[];
  /** the log sources the jails read (jail.group = source.group) */
  sources: ImportedSourceConfig[];
  /** `fail2ban-mail` (and `fail2ban-mail-2`, ... for other addresses) for jails with a mail action */
  topics: TopicConfig[];
  /** the sender of the ban e-mails (fail2ban's `sender`), for smtp.from */
  sender?: string;
  /** errors (the jail is left out) and warnings (what mamori does differently), at their file:line:col */
  problems: ImportProblem[];
}

const NOT_JAILS = new Set(["INCLUDES", "DEFAULT"]);

function jailSections(cfg: Fail2banConfig): string[] {
  return [...cfg.sections.keys()].filter((s) => !NOT_JAILS.has(s) && !s.startsWith("KNOWN/"));
}

export function importFail2banJails(base: string, opts: ImportOptions = {}): Fail2banImport {
  const out: Fail2banImport = { jails: [], sources: [], topics: [], problems: [] };
  forgetConfigLines();
  let cfg: Fail2banConfig | undefined;
  try {
    cfg = readFail2banConfig(path.join(base, "jail"));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    out.problems.push(...err.problems.map((p) => ({ ...p, severity: "error" as const })));
    return out;
  }
  if (!cfg) {
    out.problems.push({
      file: path.join(base, "jail.conf"),
      line: 1,
      col: 1,
      severity: "error",
      message: `no jail.conf or jail.local in ${base}: set fail2ban.path to fail2ban's config folder (e.g. /etc/fail2ban)`,
    });
    return out;
  }
  const vars = { fail2ban_version: FAIL2BAN_VERSION, fail2ban_confpath: base };
  const imported: ImportedJail[] = [];
  for (const section of jailSections(cfg)) {
    const r = new JailReading(cfg, section, vars);
    const enabled = r.value("enabled");
    if (enabled === undefined || parseBool(enabled) !== true) {
      if (enabled !== undefined && parseBool(enabled) === undefined)
        r.error("enabled", `enabled = "${enabled}" is not a boolean (true/false)`);
      out.problems.push(...r.problems);
      continue;
    }
    const jail = readJail(r, path.join(base, "filter.d"));
    reportUnusedKeys(r);
    out.problems.push(...r.problems);
    if (jail) imported.push(jail);
  }
  assemble(out, imported, opts);
  return out;
}

/** Sources shared by jails that read the same files (or journal matches), topics per mail address. */
function assemble(out: Fail2banImport, imported: ImportedJail[], opts: ImportOptions): void {
  const sourceByKey = new Map<string, ImportedSourceConfig>();
  const topicByDest = new Map<string, string>();
  const hostname = opts.hostname ?? os.hostname();
  for (const j of imported) {
    const key = sourceKey(j.source);
    let source = sourceByKey.get(key);
    if (!source) {
      source = toSource(j.source, j.name);
      sourceByKey.set(key, source);
      out.sources.push(source);
    }
    const notify: string[] = [];
    for (const m of j.mail) {
      let topic = topicByDest.get(m.dest);
      if (!topic) {
        topic = topicByDest.size === 0 ? MAIL_TOPIC : `${MAIL_TOPIC}-${topicByDest.size + 1}`;
        topicByDest.set(m.dest, topic);
        out.topics.push(topicSchema.parse({ name: topic, subscriptions: [{ type: "email", to: m.dest }] }));
      }
      if (!notify.includes(topic)) notify.push(topic);
      if (m.sender && !out.sender) out.sender = m.sender.replace(/<fq-hostname>/g, hostname);
    }
    const parsed = jailSchema.safeParse({ ...j.keys, group: source.group, notify });
    if (parsed.success) out.jails.push(parsed.data);
    else
      out.problems.push({
        ...j.at,
        severity: "error",
        message: `jail [${j.name}]: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      });
  }
  // a source no jail kept is not read
  const used = new Set(out.jails.map((j) => j.group));
  out.sources = out.sources.filter((s) => used.has(s.group));
}

function sourceKey(s: ImportedSource): string {
  return s.type === "file"
    ? `file\0${[...s.paths].sort().join("\0")}`
    : `journald\0${s.directory ?? ""}\0${s.matches.join("\0")}`;
}

function toSource(s: ImportedSource, jail: string): ImportedSourceConfig {
  if (s.type === "journald")
    return journaldSourceSchema.parse({
      type: "journald",
      // jails whose filters have no journalmatch share the whole journal
      group: s.matches.length ? `fail2ban/${jail}` : "fail2ban/journal",
      matches: s.matches,
      ...(s.directory ? { directory: s.directory } : {}),
    });
  return fileSourceSchema.parse({
    type: "file",
    path: s.paths.length === 1 ? s.paths[0] : s.paths,
    group: s.paths.length === 1 ? s.paths[0] : `fail2ban/${jail}`,
    start_position: s.start_position,
    encoding: s.encoding,
  });
}
