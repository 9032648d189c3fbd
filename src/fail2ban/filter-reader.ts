/**
 * A fail2ban filter file read as fail2ban's FilterReader does: [Definition] options interpolated with
 * the filter arguments (`sshd[mode=aggressive]`), [Init] values, `<tag>` substitution, then one regex
 * per line. Each regex keeps where it was written, so an error can name file:line:col.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../core/errors.js";
import { extractOptions } from "./options.js";
import { configFilesFor, type Fail2banConfig, readConfigFiles } from "./reader.js";
import { substituteRecursiveTags } from "./substitute.js";

const CONFIG_OPTS = [
  "usedns",
  "prefregex",
  "ignoreregex",
  "failregex",
  "maxlines",
  "datepattern",
  "journalmatch",
];
const CONDITIONAL = /^(\w+)(\?.+)$/;

/**
 * mamori's own filters (`filters/` at the package root; the same path from src/ and dist/): the fallback
 * for a filter name found in none of the filter_dirs, so the built-in sshd jail runs without fail2ban.
 */
export const BUILTIN_FILTER_DIR = fileURLToPath(new URL("../../filters/", import.meta.url));

export interface Located {
  text: string;
  file: string;
  line: number;
  col: number;
}

export interface FilterDefinition {
  /** the filter name (file name without extension) */
  name: string;
  files: string[];
  prefregex?: Located;
  failregex: Located[];
  ignoreregex: Located[];
  maxlines: number;
  datepattern?: string;
  /** journalctl-style matches, one entry per line (`_SYSTEMD_UNIT=sshd.service + _COMM=sshd`) */
  journalmatch: string[];
  usedns?: string;
  /** all options after substitution (for callers that need more, e.g. logtype) */
  options: Record<string, string>;
}

export interface FilterSpec {
  /** a filter name looked up in filterDirs, a file path, or either with `[key=value,...]` arguments */
  filter: string;
  /** the filter's `mode` argument (overrides one given in brackets) */
  mode?: string;
  /** extra filter arguments */
  args?: Record<string, string>;
  /** filter.d directories to look names up in, first match wins */
  filterDirs: string[];
}

function notFound(spec: FilterSpec, name: string): never {
  throw new ConfigError([
    {
      file: name,
      line: 1,
      col: 1,
      message: `filter "${name}" not found in ${spec.filterDirs.join(", ") || "(no filter directories)"} nor among mamori's own filters (${BUILTIN_FILTER_DIR}); give a filter.d directory (filter_dirs) or the path of the filter file`,
    },
  ]);
}

/** The files to read for a filter name or path. */
export function filterFiles(spec: FilterSpec, name: string): string[] {
  const looksLikePath = name.includes("/") || /\.(conf|local)$/.test(name);
  if (looksLikePath) {
    if (!existsSync(name)) notFound(spec, name);
    const abs = path.resolve(name);
    // inside a filter.d directory: the standard way, with .d/ and .local files
    if (path.basename(path.dirname(abs)) === "filter.d") {
      const base = abs.slice(0, abs.length - path.extname(abs).length);
      return configFilesFor(base);
    }
    return [abs];
  }
  for (const dir of [...spec.filterDirs, BUILTIN_FILTER_DIR]) {
    const files = configFilesFor(path.join(dir, name));
    if (files.length) return files;
  }
  notFound(spec, name);
}

/** Reads a filter with its includes and arguments into its final regexes and options. */
export function readFilterDefinition(spec: FilterSpec): FilterDefinition {
  let parsed: { name: string; options: Record<string, string> };
  try {
    parsed = extractOptions(spec.filter);
  } catch (err) {
    throw new ConfigError([{ file: spec.filter, line: 1, col: 1, message: (err as Error).message }]);
  }
  const name = parsed.name.trim();
  const files = filterFiles(spec, name);
  const cfg = readConfigFiles(files);
  const initOpts: Record<string, string> = { ...parsed.options, ...spec.args };
  if (spec.mode !== undefined) initOpts.mode = spec.mode;
  // fail2ban sets logtype from the backend unless the filter fixes it (FilterReader.applyAutoOptions)
  if (!initOpts.logtype && !cfg.options("Definition").includes("logtype")) initOpts.logtype = "file";
  const opts = combinedOptions(cfg, initOpts);
  return toDefinition(cfg, path.basename(name).replace(/\.(conf|local)$/, ""), opts);
}

function combinedOptions(cfg: Fail2banConfig, initOpts0: Record<string, string>): Record<string, string> {
  const pOpts = { ...initOpts0 };
  const initOpts = { ...initOpts0 };
  const defOpts: Record<string, string> = {};
  if (cfg.hasSection("Definition")) {
    for (const opt of CONFIG_OPTS) {
      if (Object.hasOwn(pOpts, opt)) continue;
      const v = cfg.get("Definition", opt, pOpts);
      if (v !== undefined) defOpts[opt] = v;
    }
  }
  if (cfg.hasSection("Init")) {
    for (const opt of cfg.options("Init")) {
      if (opt === "__name__") continue;
      const v = cfg.get("Init", opt) ?? "";
      if (!opt.startsWith("known/")) initOpts[`known/${opt}`] = v;
      if (!Object.hasOwn(initOpts, opt)) initOpts[opt] = v;
    }
  }
  const combined = { ...defOpts, ...initOpts };
  const ignore = new Set<string>();
  for (const n of Object.keys(combined)) {
    const c = CONDITIONAL.exec(n);
    if (c) ignore.add(c[1]);
  }
  const cache = new Map<string, string | undefined>();
  const addrepl = (tag: string): string | undefined => {
    if (!cache.has(tag))
      cache.set(tag, cfg.hasSection("Definition") ? cfg.getEx("Definition", tag, pOpts) : undefined);
    return cache.get(tag);
  };
  return substituteRecursiveTags(combined, { ignore, addrepl, where: cfg.files[cfg.files.length - 1] });
}

/** A config line a regex may come from, split once around its %(..)s and <..> placeholders. */
interface SourceLine {
  file: string;
  line: number;
  col: number;
  /** the line, trimmed */
  raw: string;
  chunks: string[];
}

/** The source lines of each config read (locate runs once per regex line, over all of them). */
const sourceLinesOf = new WeakMap<Fail2banConfig, SourceLine[]>();

function sourceLines(cfg: Fail2banConfig): SourceLine[] {
  let out = sourceLinesOf.get(cfg);
  if (out) return out;
  out = [];
  for (const section of [cfg.defaults, ...cfg.sections.values()]) {
    for (const rv of section.values()) {
      const lines = rv.value.split("\n");
      for (let i = 0; i < lines.length; i++) {
        const raw = lines[i].trim();
        if (!raw) continue;
        const chunks = raw.split(/%\([^)]*\)s|<[^<>\s]+>/).filter((c) => c.length > 0);
        out.push({
          file: rv.origin.file,
          line: rv.origin.lines[i] ?? rv.origin.line,
          col: rv.origin.cols[i] ?? 1,
          raw,
          chunks,
        });
      }
    }
  }
  sourceLinesOf.set(cfg, out);
  return out;
}

/** How much of a raw config line (its text between %(..)s and <..> placeholders) appears, in order, in t. */
function chunkScore(chunks: readonly string[], t: string): number {
  let at = 0;
  let score = 0;
  for (const c of chunks) {
    const i = t.indexOf(c, at);
    if (i < 0) return 0;
    at = i + c.length;
    score += c.length;
  }
  return score >= 8 ? score : 0;
}

/** Finds the config line a final regex line came from (best effort: exact line, else longest contained line). */
function locate(cfg: Fail2banConfig, option: string, text: string): Omit<Located, "text"> {
  let best: SourceLine | undefined;
  let bestScore = 0;
  const t = text.trim();
  for (const s of sourceLines(cfg)) {
    const score = s.raw === t ? 1e9 : chunkScore(s.chunks, t);
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  if (best) return { file: best.file, line: best.line, col: best.col };
  const own = cfg.raw("Definition", option);
  if (own) return { file: own.origin.file, line: own.origin.line, col: own.origin.cols[0] ?? 1 };
  return { file: cfg.files[cfg.files.length - 1] ?? "<filter>", line: 1, col: 1 };
}

function toDefinition(cfg: Fail2banConfig, name: string, opts: Record<string, string>): FilterDefinition {
  const lines = (option: string): Located[] =>
    (opts[option] ?? "")
      .split("\n")
      .filter((l) => l !== "")
      .map((text) => ({ text, ...locate(cfg, option, text) }));
  const maxlinesText = opts.maxlines;
  let maxlines = 1;
  if (maxlinesText !== undefined && maxlinesText.trim() !== "") {
    maxlines = Number(maxlinesText);
    if (!Number.isInteger(maxlines) || maxlines <= 0) {
      const at = locate(cfg, "maxlines", `maxlines = ${maxlinesText}`);
      throw new ConfigError([
        { ...at, message: `maxlines must be an integer greater than zero, not "${maxlinesText}"` },
      ]);
    }
  }
  const pref = opts.prefregex?.trim() ? opts.prefregex : undefined;
  return {
    name,
    files: cfg.files,
    prefregex: pref !== undefined ? { text: pref, ...locate(cfg, "prefregex", pref) } : undefined,
    failregex: lines("failregex"),
    ignoreregex: lines("ignoreregex"),
    maxlines,
    datepattern: opts.datepattern,
    journalmatch: (opts.journalmatch ?? "").split("\n").filter((l) => l.trim() !== ""),
    usedns: opts.usedns,
    options: opts,
  };
}
