/**
 * One enabled fail2ban jail → the keys of a mamori jail (filter, times, ignore list, action) and the
 * log source it reads. Keys mamori cannot honour are reported as warnings at their place; a jail that
 * cannot work (no filter, no log path, a bad time value) gets an error and is left out.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { checkJail, type JailConfig } from "../../config/jails.js";
import { DurationError } from "../../core/duration.js";
import { errorMessage } from "../../core/errors.js";
import { globBase, hasGlob } from "../../sources/shared/glob.js";
import { type FilterDefinition, readFilterDefinition } from "../filter-reader.js";
import { extractOptions } from "../options.js";
import { type MailPlan, planActions } from "./actions.js";
import type { JailReading } from "./reading.js";
import { ignoreEntry, parseBool, parseTime, shellWords, splitWords } from "./values.js";

export type ImportedSource =
  | {
      type: "file";
      paths: string[];
      start_position: "start_of_file" | "end_of_file";
      encoding: "utf-8" | "latin1";
    }
  | { type: "journald"; matches: string[]; directory?: string };

export interface ImportedJail {
  name: string;
  /** mamori jail keys, without `group` and `notify` (the importer sets those) */
  keys: Record<string, unknown>;
  source: ImportedSource;
  mail: MailPlan[];
  /** where the jail was enabled, for problems found later */
  at: { file: string; line: number; col: number };
}

/** Jail options that override the filter's (fail2ban passes them to the filter). */
const FILTER_OVERRIDES = ["datepattern", "maxlines", "journalmatch", "prefregex", "failregex", "ignoreregex"];
const FILE_BACKENDS = new Set(["auto", "polling", "pyinotify", "gamin"]);

export function readJail(r: JailReading, filterDir: string): ImportedJail | undefined {
  const filter = readFilter(r, filterDir);
  const source = filter && readSource(r, filter.def);
  const keys: Record<string, unknown> = { name: r.name, enabled: true };
  if (filter) {
    keys.filter = filter.filter;
    if (filter.mode !== undefined) keys.mode = filter.mode;
  }
  Object.assign(keys, readCounts(r), readIgnore(r));
  const plan = planActions({
    action: r.value("action") ?? "",
    destemail: r.value("destemail"),
    sender: r.value("sender"),
  });
  const banaction = r.value("banaction")?.trim();
  const banactionName = banaction ? banaction.split("[")[0] : undefined;
  // a warning about the banaction points at it, unless the jail writes its own action line
  const ownAction = r.ownOptions().includes("action");
  for (const w of plan.warnings)
    r.warn(!ownAction && w.action === banactionName ? "banaction" : "action", w.message);
  for (const e of plan.errors) r.error("action", e);
  for (const k of ["action", "port", "protocol", "chain", "blocktype", "hosts_deny", "daemon"] as const)
    if (plan[k] !== undefined) keys[k] = plan[k];
  // the same port checks as a jail written in mamori.yaml
  const ports = { action: plan.action ?? "dry-run", port: plan.port, protocol: plan.protocol ?? "tcp" };
  for (const p of checkJail(ports as JailConfig, (_key, message) => ({ ...r.at("enabled"), message })))
    r.error("port", `port "${plan.port}": ${p.message}`, true);
  if (!r.ok || !filter || !source) return undefined;
  return { name: r.name, keys, source, mail: plan.mail, at: r.at("enabled") };
}

interface FilterChoice {
  filter: string;
  mode?: string;
  def: FilterDefinition;
}

/** `name[k=v]` arguments back into text (quoted as extractOptions reads them). */
function argsText(r: JailReading, args: Record<string, string>): string | undefined {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(args)) {
    const q = !v.includes('"') ? '"' : !v.includes("'") ? "'" : undefined;
    if (!q) {
      r.error(k, `the value of ${k} contains both ' and " quotes, which a filter argument cannot carry`);
      return undefined;
    }
    parts.push(`${k}=${q}${v}${q}`);
  }
  return parts.length ? `[${parts.join(", ")}]` : "";
}

function readFilter(r: JailReading, filterDir: string): FilterChoice | undefined {
  const text = r.value("filter")?.trim() || r.name;
  let parsed: ReturnType<typeof extractOptions>;
  try {
    parsed = extractOptions(text);
  } catch (err) {
    r.error("filter", `filter "${text}" cannot be read: ${errorMessage(err)}`);
    return undefined;
  }
  const name = parsed.name.trim();
  const { mode, ...args } = parsed.options;
  for (const opt of FILTER_OVERRIDES) {
    const v = r.value(opt);
    if (v !== undefined && v.trim() !== "") args[opt] = v;
  }
  const dns = r.value("usedns")?.trim().toLowerCase();
  if (dns && dns !== "warn") args.usedns = dns;
  if (dns === "yes")
    r.warn("usedns", "usedns = yes: mamori never resolves host names found in log lines (it acts as warn)");
  const file = [".conf", ".local"]
    .map((ext) => path.join(filterDir, `${name}${ext}`))
    .find((f) => existsSync(f));
  if (!file) {
    r.error(
      "filter",
      `filter "${name}" not found: there is no ${path.join(filterDir, name)}.conf (or .local); add the filter file, or set filter = NAME in [${r.name}]`,
      true,
    );
    return undefined;
  }
  const brackets = argsText(r, args);
  if (brackets === undefined) return undefined;
  const filter = file + brackets;
  try {
    return { filter, mode, def: readFilterDefinition({ filter, mode, filterDirs: [filterDir] }) };
  } catch (err) {
    r.errorWith("filter", `filter "${name}" cannot be used`, err);
    return undefined;
  }
}

function readSource(r: JailReading, def: FilterDefinition): ImportedSource | undefined {
  const text = r.value("backend")?.trim() || "auto";
  let backend: ReturnType<typeof extractOptions>;
  try {
    backend = extractOptions(text);
  } catch (err) {
    r.error("backend", `backend "${text}" cannot be read: ${errorMessage(err)}`);
    return undefined;
  }
  const name = backend.name.trim();
  if (name === "systemd") return journaldSource(r, def, backend.options);
  if (!FILE_BACKENDS.has(name)) {
    r.error("backend", `backend "${name}" is not one fail2ban has (auto, polling, pyinotify, systemd)`);
    return undefined;
  }
  return fileSource(r);
}

function journaldSource(
  r: JailReading,
  def: FilterDefinition,
  options: Record<string, string>,
): ImportedSource | undefined {
  const matches: string[] = [];
  for (const line of def.journalmatch) {
    let words: string[];
    try {
      words = shellWords(line);
    } catch (err) {
      r.error("journalmatch", `journalmatch "${line}" cannot be read: ${errorMessage(err)}`);
      return undefined;
    }
    const bad = words.find((w) => w !== "+" && !/^[A-Z0-9_]+=/.test(w));
    if (bad !== undefined) {
      r.error("journalmatch", `journalmatch entry "${bad}" is not FIELD=value or +`);
      return undefined;
    }
    // fail2ban ORs the lines of journalmatch, as "+" does within a line
    if (matches.length && words.length) matches.push("+");
    matches.push(...words);
  }
  const { journalpath, ...rest } = options;
  for (const [k, v] of Object.entries(rest))
    r.warn(
      "backend",
      `systemd backend option ${k}="${v}" is not supported by mamori's journald source; left out`,
    );
  return { type: "journald", matches, ...(journalpath ? { directory: journalpath } : {}) };
}

function fileSource(r: JailReading): ImportedSource | undefined {
  const lines = (r.value("logpath") ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) {
    r.error("logpath", "no logpath: set logpath = /var/log/FILE, or backend = systemd to read the journal");
    return undefined;
  }
  const paths: string[] = [];
  let heads = 0;
  for (const line of lines) {
    const m = /^(.*\S)\s+(head|tail)$/.exec(line);
    const p = m ? m[1] : line;
    if (m?.[2] === "head") heads++;
    paths.push(p);
    const exists = hasGlob(p) ? existsSync(globBase(p)) : existsSync(p);
    if (!exists)
      r.warn(
        "logpath",
        `no file matches ${p} yet: mamori waits for it (fail2ban would not start this jail); if the service logs to the journal, set backend = systemd`,
      );
  }
  const enc = (r.value("logencoding") ?? "auto").trim().toLowerCase().replace(/_/g, "-");
  let encoding: "utf-8" | "latin1" = "utf-8";
  if (["latin-1", "latin1", "iso-8859-1", "iso8859-1"].includes(enc)) encoding = "latin1";
  else if (!["auto", "utf-8", "utf8"].includes(enc))
    r.warn(
      "logencoding",
      `logencoding ${enc} is not supported (utf-8, latin-1): the files are read as UTF-8`,
    );
  return {
    type: "file",
    paths,
    start_position: heads === lines.length ? "start_of_file" : "end_of_file",
    encoding,
  };
}

function readBool(r: JailReading, option: string): boolean | undefined {
  const v = r.value(option);
  if (v === undefined || v.trim() === "") return undefined;
  const b = parseBool(v);
  if (b === undefined)
    r.error(option, `${option} = "${v}" is not a boolean (true/false, yes/no, 1/0, on/off)`);
  return b;
}

function readSeconds(r: JailReading, option: string): number | undefined {
  const v = r.value(option);
  if (v === undefined || v.trim() === "") return undefined;
  try {
    return parseTime(v);
  } catch (err) {
    r.error(option, err instanceof DurationError ? err.message : `${option} = "${v}": ${errorMessage(err)}`);
    return undefined;
  }
}

function readCounts(r: JailReading): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const maxretry = r.value("maxretry");
  if (maxretry !== undefined && maxretry.trim() !== "") {
    const n = Number(maxretry);
    if (Number.isInteger(n) && n > 0) out.maxretry = n;
    else r.error("maxretry", `maxretry = "${maxretry}" must be a whole number of failures above 0`);
  }
  for (const k of ["findtime", "bantime"]) {
    const s = readSeconds(r, k);
    if (s !== undefined) out[k] = s;
  }
  const inc: Record<string, unknown> = {};
  const enabled = readBool(r, "bantime.increment");
  if (enabled !== undefined) inc.enabled = enabled;
  const factor = r.value("bantime.factor");
  if (factor !== undefined && factor.trim() !== "") {
    if (Number(factor) > 0) inc.factor = Number(factor);
    else r.error("bantime.factor", `bantime.factor = "${factor}" must be a number above 0`);
  }
  const mult = r.value("bantime.multipliers");
  if (mult !== undefined && mult.trim() !== "") {
    const list = splitWords(mult).map(Number);
    if (list.every((n) => n > 0)) inc.multipliers = list;
    else
      r.error("bantime.multipliers", `bantime.multipliers = "${mult}" must be numbers above 0, e.g. 1 2 4 8`);
  }
  for (const k of ["maxtime", "rndtime"]) {
    const s = readSeconds(r, `bantime.${k}`);
    if (s !== undefined) inc[k] = s;
  }
  const overall = readBool(r, "bantime.overalljails");
  if (overall !== undefined) inc.overalljails = overall;
  if (Object.keys(inc).length) out.bantime_increment = inc;
  return out;
}

function readIgnore(r: JailReading): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const self = readBool(r, "ignoreself");
  if (self !== undefined) out.ignoreself = self;
  const text = r.value("ignoreip");
  if (text === undefined || text.trim() === "") return out;
  const entries: string[] = [];
  const add = (word: string) => {
    const e = ignoreEntry(word);
    if (e) entries.push(e);
    else r.warn("ignoreip", `ignoreip entry "${word}" is not an address, CIDR or host name; left out`);
  };
  for (const word of splitWords(text)) {
    if (!word.startsWith("file:")) add(word);
    else {
      try {
        for (const w of splitWords(readFileSync(word.slice(5), "utf8").replace(/#.*$/gm, ""))) add(w);
        r.warn("ignoreip", `${word} is read once when the config loads (reload mamori after changing it)`);
      } catch (err) {
        r.warn("ignoreip", `${word} cannot be read (${errorMessage(err)}); its addresses are not ignored`);
      }
    }
  }
  out.ignoreip = entries;
  return out;
}
