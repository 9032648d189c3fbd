/**
 * What `mamori regex LOG FILTER` computes, as fail2ban-regex does: the line counts of its `Lines:` summary
 * (every regex tried, nofail lines counted as ignored) and the failures `fail2ban-regex -o row` prints
 * (first matching regex, one per address). Hosts are never resolved (like `fail2ban-regex --raw`).
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { BUILTIN_FILTER_DIR, type FilterDefinition, readFilterDefinition } from "../filter-reader.js";
import { extractOptions } from "../options.js";
import type { FilterCore } from "./core.js";
import { createFilterCore, regexDefinition } from "./index.js";
import type { TupleLine } from "./regex.js";

export interface RegexRunOptions {
  filterDirs: string[];
  mode?: string;
  now: () => number;
  timezone?: string;
  datepattern?: string;
  maxlines?: number;
}

export interface RegexMatch {
  line: number;
  host: string;
  time: string | null;
  user?: string;
}

export interface RegexRunResult {
  lines: number;
  matched: number;
  ignored: number;
  missed: number;
  matches: RegexMatch[];
  /** hits per failregex / ignoreregex (as fail2ban-regex's per-regex counts) */
  failHits: number[];
  ignoreHits: number[];
  prefregexHits: number;
  definition: Pick<FilterDefinition, "failregex" | "ignoreregex" | "prefregex"> & {
    name: string;
    files: string[];
  };
  /** the line numbers counted as matched / ignored / missed (1-based positions in the input) */
  matchedLines: number[];
  ignoredLines: number[];
}

const FILTER_NAME = /^\/{0,3}[\w/_\-.]+(?:\[.*\])?$/s;

/** A filter file/name (fail2ban-regex's rule), else undefined: the argument is a regex. */
export function resolveFilterArg(arg: string, dirs: string[]): string | undefined {
  if (!FILTER_NAME.test(arg)) return undefined;
  let name: string;
  try {
    name = extractOptions(arg).name;
  } catch {
    return undefined;
  }
  const tries = name.slice(-6).includes(".") ? [name] : [name, `${name}.conf`, `${name}.local`];
  for (const t of tries) {
    const candidates = t.includes("/") ? [t] : [...dirs, BUILTIN_FILTER_DIR].map((d) => path.join(d, t));
    for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return undefined;
}

function loadDefinition(
  filterArg: string,
  o: RegexRunOptions,
): RegexRunResult["definition"] & FilterDefinitionLike {
  const file = resolveFilterArg(filterArg, o.filterDirs);
  if (file) {
    const bracket = filterArg.indexOf("[");
    const spec = bracket >= 0 ? file + filterArg.slice(bracket) : file;
    const def = readFilterDefinition({ filter: spec, mode: o.mode, filterDirs: o.filterDirs });
    return {
      ...def,
      datepattern: o.datepattern ?? def.datepattern,
      maxlines: o.maxlines ?? def.maxlines,
    };
  }
  const def = regexDefinition(filterArg, { datepattern: o.datepattern, maxlines: o.maxlines });
  return { ...def, name: "regex", files: [] };
}

type FilterDefinitionLike = Pick<FilterDefinition, "maxlines" | "datepattern" | "usedns">;

export interface RegexRunMode {
  /**
   * compute the failures of `-o row` (RegexRunResult.matches); without them the run does half the work
   * (a second filter core in fail2ban's server mode): the human report never prints them
   */
  rows?: boolean;
}

/** The counts of a run so far (see RegexRun.checkpoint). */
export interface RegexCounts {
  /** input lines so far (comments and blank lines included) */
  lineNo: number;
  lines: number;
  matched: number;
  ignored: number;
  missed: number;
  failHits: number[];
  ignoreHits: number[];
  prefregexHits: number;
  /** lengths of matchedLines / ignoredLines */
  matchedCount: number;
  ignoredCount: number;
}

/**
 * A run's counts with the state that decides the results of the lines to come (see FilterCore.state):
 * two runs at checkpoints with the same key count any further lines alike, as long as the date detector
 * needs no full search. Undefined key: the run cannot tell (the rows of --json, maxlines > 1).
 */
export interface RegexCheckpoint {
  key: string | undefined;
  searches: number;
  counts: RegexCounts;
}

/** A run fed one line at a time (a big file is read in chunks, never held whole). */
export interface RegexRun {
  /** the next line of the input (with or without its line end) */
  push(raw: string): void;
  readonly result: RegexRunResult;
  checkpoint(): RegexCheckpoint;
}

export function runRegex(
  filterArg: string,
  input: Iterable<string>,
  o: RegexRunOptions & RegexRunMode,
): RegexRunResult {
  const run = startRegexRun(filterArg, o);
  for (const raw of input) run.push(raw);
  return run.result;
}

/** The line without its line end ("\r\n", "\n", "\r"...): most lines have none, so no regex runs. */
function chomp(raw: string): string {
  const c = raw.charCodeAt(raw.length - 1);
  return c === 10 || c === 13 ? raw.replace(/[\r\n]+$/, "") : raw;
}

export function startRegexRun(filterArg: string, o: RegexRunOptions & RegexRunMode): RegexRun {
  const def = loadDefinition(filterArg, o);
  let lineIgnored = false;
  const ignoreHits = def.ignoreregex.map(() => 0);
  const failHits = def.failregex.map(() => 0);
  // the clock read once per line (NaN: not yet), as the jail does: a line asks for "now" several times
  let lineNow = Number.NaN;
  const now = (): number => {
    if (Number.isNaN(lineNow)) lineNow = o.now();
    return lineNow;
  };
  const stats: FilterCore = createFilterCore(def, {
    now,
    timezone: o.timezone,
    mode: {
      countOnly: true,
      checkAllRegex: true,
      ignorePending: false,
      returnRawHost: true,
      onIgnoreRegex: (i) => {
        lineIgnored = true;
        ignoreHits[i]++;
      },
    },
  });
  let rowIgnored = false;
  const rows: FilterCore | undefined =
    o.rows === false
      ? undefined
      : createFilterCore(def, {
          now,
          timezone: o.timezone,
          mode: {
            checkAllRegex: false,
            ignorePending: true,
            returnRawHost: true,
            // the jail's own fast paths (lines no regex can match skipped before date detection): the rows
            // are what fail2ban's server finds, which is what the jail computes
            fastPaths: true,
            // the rows name the line, address, time and user, never the failure's lines
            dropLines: true,
            onIgnoreRegex: () => (rowIgnored = true),
          },
        });
  const r: RegexRunResult = {
    lines: 0,
    matched: 0,
    ignored: 0,
    missed: 0,
    matches: [],
    failHits,
    ignoreHits,
    prefregexHits: 0,
    definition: def,
    matchedLines: [],
    ignoredLines: [],
  };
  const multi = def.maxlines > 1;
  let lineNo = 0;
  const push = (raw: string): void => {
    lineNo++;
    const line = chomp(raw);
    if (line.startsWith("#") || !line) return;
    lineNow = Number.NaN;
    // the row output (what -o row prints)
    if (rows) {
      rowIgnored = false;
      const rowFound = rows.processLine(line).filter((f) => !f.fail.nofail);
      if (rowFound.length && !rowIgnored) {
        for (const f of rowFound) {
          const m: RegexMatch = {
            line: lineNo,
            host: f.fid ?? "",
            time: f.time === undefined ? null : new Date(f.time).toISOString(),
          };
          if (typeof f.fail.user === "string") m.user = f.fail.user;
          r.matches.push(m);
        }
      }
    }
    // the Lines: summary
    lineIgnored = false;
    const before: readonly TupleLine[] = multi ? [...stats.bufferedLines] : [];
    const fullBuffer = before.length >= def.maxlines;
    const found = stats.processLine(line);
    if (stats.prefRegex?.hasMatched()) r.prefregexHits++;
    let isIgnored = false;
    let any = false;
    for (const f of found) {
      failHits[f.regexIndex]++;
      if (f.fail.nofail) isIgnored = true;
      else any = true;
    }
    if (multi) {
      const after = stats.bufferedLines;
      for (const b of before.slice(fullBuffer ? 1 : 0)) {
        if (!after.some((a) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2])) {
          r.matched++;
          r.missed--;
        }
      }
    }
    if (isIgnored || lineIgnored) {
      r.ignored++;
      r.ignoredLines.push(lineNo);
    } else if (any) {
      r.matched++;
      r.matchedLines.push(lineNo);
    } else r.missed++;
    r.lines++;
  };
  const checkpoint = (): RegexCheckpoint => {
    const state = rows || multi ? undefined : stats.state();
    return {
      key: state?.key,
      searches: state?.searches ?? 0,
      counts: {
        lineNo,
        lines: r.lines,
        matched: r.matched,
        ignored: r.ignored,
        missed: r.missed,
        failHits: [...failHits],
        ignoreHits: [...ignoreHits],
        prefregexHits: r.prefregexHits,
        matchedCount: r.matchedLines.length,
        ignoredCount: r.ignoredLines.length,
      },
    };
  };
  return { push, result: r, checkpoint };
}
