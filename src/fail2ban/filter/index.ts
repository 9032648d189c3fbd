/**
 * A loaded fail2ban filter for a jail: `process(line)` returns the failures on that line (one per address),
 * as fail2ban's server would count them. Stateful per instance (multi-line buffers, <F-MLFID> merging).
 */
import type { ConfigError } from "../../core/errors.js";
import { createDateDetector } from "../dates/index.js";
import { type FilterDefinition, type Located, readFilterDefinition } from "../filter-reader.js";
import { normalizeIp } from "./addresses.js";
import { type CoreOptions, F2bRegexNoHost, FilterCore, type RawFailure } from "./core.js";
import { type TupleLine, untranslatable } from "./regex.js";

export interface Failure {
  /** valid IP, normalized via src/core/ip.ts normalizeIp (the network address when prefix is set) */
  ip: string;
  /** the host text as matched */
  host: string;
  /** ms epoch */
  time: number;
  user?: string;
  /** the log lines of this failure (all lines of a multi-line failure) */
  lines: string[];
  /** set when the filter matched a subnet (<SUBNET>, <ADDR>/<CIDR>) narrower than a single address */
  prefix?: number;
}

export interface FilterResult {
  failures: Failure[];
  /** a failregex matched (also when the host was a DNS name or not a valid address: no failure then) */
  matched: boolean;
  /** an ignoreregex matched */
  ignored: boolean;
}

export interface JailFilter {
  readonly name: string;
  readonly journalmatch: string[];
  readonly maxlines: number;
  /** the definition read from the filter files (what a reload compares), when loaded from files */
  readonly definition?: unknown;
  /**
   * Its results were worked out elsewhere (replay's filter thread): `process` only looks them up, so it
   * runs no pattern and needs no line budget.
   */
  readonly precomputed?: boolean;
  process(line: string, fallbackTime?: number): FilterResult;
}

export interface LoadFilterOptions {
  /** a name looked up in filterDirs, a file path, or name[mode=x,...] */
  filter: string;
  mode?: string;
  filterDirs: string[];
  /** reference time (ms) for year-less dates and recent-date reuse */
  now: () => number;
  timezone?: string;
  /** fail2ban's usedns; names are never resolved, "no" restricts <HOST> to addresses */
  useDns?: string;
  /** extra filter arguments, like those in brackets */
  args?: Record<string, string>;
}

/** The fail2ban modes a core runs in (see CoreOptions). */
export type CoreMode = Pick<
  CoreOptions,
  "checkAllRegex" | "ignorePending" | "returnRawHost" | "fastPaths" | "countOnly" | "dropLines"
> & {
  onIgnoreRegex?: (index: number) => void;
};

/** fail2ban's server: first matching regex wins, pending failures dropped, DNS names not used. */
export const SERVER_MODE: CoreMode = {
  checkAllRegex: false,
  ignorePending: true,
  returnRawHost: false,
  fastPaths: true,
};

function noHost(err: F2bRegexNoHost): ConfigError {
  return untranslatable(err.src, "failregex", err);
}

/** No datepattern, or fail2ban's default templates (all, or those anchored at the line start). */
function isDefaultDatepattern(p: string | undefined): boolean {
  const t = p?.trim().toUpperCase() ?? "";
  return t === "" || t === "{^LN-BEG}" || t === "{DEFAULT}";
}

/** Builds the filter state machine for a definition (throws ConfigError with file:line:col). */
export function createFilterCore(
  def: Pick<
    FilterDefinition,
    "prefregex" | "failregex" | "ignoreregex" | "maxlines" | "datepattern" | "usedns"
  >,
  o: { now: () => number; timezone?: string; useDns?: string; mode: CoreMode },
): FilterCore {
  try {
    return new FilterCore({
      prefregex: def.prefregex,
      failregex: def.failregex,
      ignoreregex: def.ignoreregex,
      maxlines: def.maxlines,
      useDns: (o.useDns ?? def.usedns ?? "warn").toLowerCase(),
      defaultDates: isDefaultDatepattern(def.datepattern),
      dateDetector: createDateDetector({
        datepattern: def.datepattern?.trim() || undefined,
        now: o.now,
        timezone: o.timezone,
      }),
      now: o.now,
      ...o.mode,
    });
  } catch (err) {
    if (err instanceof F2bRegexNoHost) throw noHost(err);
    throw err;
  }
}

export function tupleText(t: TupleLine): string {
  return t[0] + t[1] + t[2];
}

const NOTHING: FilterResult = Object.freeze({
  failures: Object.freeze([]) as [],
  matched: false,
  ignored: false,
});
const IGNORED: FilterResult = Object.freeze({
  failures: Object.freeze([]) as [],
  matched: false,
  ignored: true,
});

/** Failures (valid addresses only) of the raw results of one line, and whether the line matched. */
export function toFilterResult(raw: RawFailure[], ignored: boolean, fallbackTime: number): FilterResult {
  // most lines: one shared (frozen) result, no allocation
  if (raw.length === 0) return ignored ? IGNORED : NOTHING;
  const failures: Failure[] = [];
  let matched = false;
  for (const r of raw) {
    if (r.fid === undefined || r.fail.nofail) continue;
    matched = true;
    const host = r.host ?? r.fid;
    const ip = normalizeIp(host);
    if (!ip) continue;
    const user = typeof r.fail.user === "string" ? r.fail.user : undefined;
    const lines = ((r.fail.matches as TupleLine[] | undefined) ?? []).map(tupleText);
    const full = ip.includes(":") ? 128 : 32;
    const f: Failure = { ip, host, time: r.time ?? fallbackTime, lines };
    if (user !== undefined) f.user = user;
    if (r.cidr !== undefined && r.cidr >= 0 && r.cidr < full) {
      const net = r.fid.split("/")[0];
      f.ip = normalizeIp(net) ?? ip;
      f.prefix = r.cidr;
    }
    failures.push(f);
  }
  return { failures, matched, ignored };
}

class LoadedFilter implements JailFilter {
  private ignoredNow = false;
  private readonly core: FilterCore;
  /** the clock read once per line (NaN: not read yet): a failure line asks for "now" four times or more */
  private lineNow = Number.NaN;

  constructor(
    readonly name: string,
    readonly journalmatch: string[],
    readonly definition: Parameters<typeof createFilterCore>[0],
    private readonly o: { now: () => number; timezone?: string; useDns?: string },
  ) {
    this.core = createFilterCore(definition, {
      ...o,
      now: () => this.now(),
      mode: { ...SERVER_MODE, onIgnoreRegex: () => (this.ignoredNow = true) },
    });
  }

  private now(): number {
    if (Number.isNaN(this.lineNow)) this.lineNow = this.o.now();
    return this.lineNow;
  }

  get maxlines(): number {
    return this.core.maxlines;
  }

  process(line: string, fallbackTime?: number): FilterResult {
    this.ignoredNow = false;
    this.lineNow = Number.NaN;
    const raw = this.core.processLine(line);
    if (raw.length === 0) return toFilterResult(raw, this.ignoredNow, 0);
    return toFilterResult(raw, this.ignoredNow, fallbackTime ?? this.now());
  }
}

export function loadJailFilter(opts: LoadFilterOptions): JailFilter {
  const def = readFilterDefinition({
    filter: opts.filter,
    mode: opts.mode,
    args: opts.args,
    filterDirs: opts.filterDirs,
  });
  return new LoadedFilter(def.name, def.journalmatch, def, opts);
}

export interface RegexFilterOptions {
  now: () => number;
  timezone?: string;
  datepattern?: string;
  ignoreregex?: string[];
  maxlines?: number;
  useDns?: string;
}

/** A filter made of one failregex given on the command line (several lines = several regexes). */
export function regexDefinition(regex: string, opts: Omit<RegexFilterOptions, "now" | "timezone">) {
  const at = (text: string, i: number, what: string): Located => ({
    text,
    file: `<${what}>`,
    line: i + 1,
    col: 1,
  });
  return {
    failregex: regex
      .split("\n")
      .filter((l) => l !== "")
      .map((t, i) => at(t, i, "failregex")),
    ignoreregex: (opts.ignoreregex ?? []).map((t, i) => at(t, i, "ignoreregex")),
    maxlines: opts.maxlines ?? 1,
    datepattern: opts.datepattern,
    usedns: opts.useDns,
    prefregex: undefined,
  };
}

export function compileRegexFilter(regex: string, opts: RegexFilterOptions): JailFilter {
  return new LoadedFilter("regex", [], regexDefinition(regex, opts), opts);
}

export type { RawFailure } from "./core.js";
export { FilterCore } from "./core.js";
