/**
 * fail2ban's own sample-log corpus (tests/files/logs/<filter>, `# failJSON:` annotations), run the way
 * fail2ban's tests/samplestestcase.py runs it: every regex tried (checkAllRegex), raw hosts, no findtime
 * check, filter instances shared per option combination, journal lines with a known time.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { readFilterDefinition } from "../filter-reader.js";
import { ipAddrText } from "./addresses.js";
import type { FilterCore, RawFailure } from "./core.js";
import { createFilterCore } from "./index.js";

export const F2B_LOGS = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs";
export const F2B_FILTER_D = "/etc/fail2ban/filter.d";
/** fail2ban's TEST_NOW: Sun Aug 14 12:00:00 CEST 2005 */
export const TEST_NOW_MS = 1124013600 * 1000;
/** fail2ban's tests/utils.py sets exactly this TZ (the EU rules; without them glibc would take its posixrules file) */
export const TEST_TZ = "CET-01CEST-02,M3.5.0,M10.5.0";

export interface Annotation {
  file: string;
  lineNo: number;
  line: string;
  data: Record<string, unknown>;
}

export interface CaseResult {
  filter: string;
  combo: string;
  annotation: Annotation;
  ok: boolean;
  why?: string;
}

/** Log files with a filter of the same name in filter.d. */
export function corpusFilters(): string[] {
  if (!existsSync(F2B_LOGS)) return [];
  return readdirSync(F2B_LOGS)
    .filter(
      (n) => statSync(path.join(F2B_LOGS, n)).isFile() && existsSync(path.join(F2B_FILTER_D, `${n}.conf`)),
    )
    .sort();
}

/** Evaluates the few Python expressions the corpus uses in test.condition / constraint. */
function pyCondition(expr: string, name: string, opts: Record<string, unknown>): boolean {
  const m = /^\s*(name|opts\.get\('(\w+)'\))\s*(==|!=)\s*'([^']*)'\s*$/.exec(expr);
  if (!m) throw new Error(`unsupported condition in corpus: ${expr}`);
  const left = m[1] === "name" ? name : (opts[m[2]] as string | undefined);
  return m[3] === "==" ? left === m[4] : left !== m[4];
}

/** Local "YYYY-mm-ddTHH:MM:SS[.ffffff]" in TEST_TZ → epoch seconds, as time.mktime computes it. */
export function pythonLocalTimes(times: string[]): Map<string, number> {
  const uniq = [...new Set(times)];
  const script = `
import sys, json, time, datetime
out = {}
for t in json.load(sys.stdin):
    try: d = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S")
    except ValueError: d = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%f")
    out[t] = time.mktime(d.timetuple()) + d.microsecond / 1000000.0
print(json.dumps(out))`;
  const res = execFileSync("python3", ["-c", script], {
    input: JSON.stringify(uniq),
    env: { ...process.env, TZ: TEST_TZ },
    encoding: "utf8",
  });
  return new Map(Object.entries(JSON.parse(res) as Record<string, number>));
}

interface FilterEntry {
  core: FilterCore;
  opts: Record<string, unknown>;
  combo: string;
}

function sortedJson(v: unknown): string {
  if (v instanceof Set) return JSON.stringify([...v].map(String).sort());
  if (Array.isArray(v)) return JSON.stringify(v.map(String).sort());
  return JSON.stringify(v);
}

/** Runs one corpus file (and the files it adds) like samplestestcase.testSampleRegexsFactory. */
export function runCorpusFilter(name: string, expectedTimes: Map<string, number>): CaseResult[] {
  const results: CaseResult[] = [];
  const cache = new Map<string, FilterEntry>();
  const filterFor = (fltOpts: Record<string, unknown>, combo: string): FilterEntry => {
    const key = name + combo;
    let e = cache.get(key);
    if (!e) {
      const args: Record<string, string> = {};
      for (const [k, v] of Object.entries(fltOpts)) args[k] = String(v);
      const def = readFilterDefinition({ filter: name, args, filterDirs: [F2B_FILTER_D] });
      const now = () => TEST_NOW_MS;
      const core = createFilterCore(def, {
        now,
        timezone: TEST_TZ,
        mode: { checkAllRegex: true, ignorePending: true, returnRawHost: true, fastPaths: true },
      });
      e = { core, opts: fltOpts, combo };
      cache.set(key, e);
    }
    return e;
  };
  const files = [name];
  let tests: FilterEntry[] | undefined;
  for (let fi = 0; fi < files.length; fi++) {
    const file = files[fi];
    const lines = readFileSync(path.join(F2B_LOGS, file), "utf8").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    let common: Record<string, unknown> = {};
    let ignoreBlock = false;
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i];
      let data: Record<string, unknown> = {};
      let lineNo = i + 1;
      const j = /^#+ ?(failJSON|(?:file|filter)Options|addFILE):(.+?)\r?$/.exec(line);
      if (j) {
        const parsed = JSON.parse(j[2]) as unknown;
        if (j[1] === "fileOptions") {
          common = parsed as Record<string, unknown>;
          continue;
        }
        if (j[1] === "filterOptions") {
          tests = [];
          ignoreBlock = false;
          for (const fo of Array.isArray(parsed) ? parsed : [parsed]) {
            const opts = { ...common, ...(fo as Record<string, unknown>) };
            if (opts["test.condition"])
              ignoreBlock = !pyCondition(String(opts["test.condition"]), name, opts);
            if (ignoreBlock) continue;
            const fltOpts = Object.fromEntries(Object.entries(opts).filter(([k]) => !k.startsWith("test.")));
            const combo =
              (opts["test.filter-name"] as string) ??
              (Object.keys(fltOpts).length ? JSON.stringify(fltOpts) : "");
            const e = filterFor(fltOpts, combo);
            tests.push({ ...e, opts });
          }
          continue;
        }
        if (j[1] === "addFILE") {
          files.push(parsed as string);
          continue;
        }
        data = parsed as Record<string, unknown>;
        i++;
        line = lines[i] ?? "";
        lineNo = i + 1;
      } else if (ignoreBlock || line.startsWith("#") || !line.trim()) continue;
      if (ignoreBlock) continue;
      if (!tests) tests = [filterFor({}, "")];
      line = line.replace(/[\r\n]+$/, "");
      for (const t of tests) {
        if (data.constraint && !pyCondition(String(data.constraint), name, t.opts)) continue;
        let ln = line;
        let found: RawFailure[];
        if (t.opts.logtype === "journal") {
          if (t.opts["test.prefix-line"]) ln = String(t.opts["test.prefix-line"]) + ln;
          found = t.core.processLine(ln, { tuple: ["", "2005-08-14T10:00:00", ln], time: TEST_NOW_MS });
        } else found = t.core.processLine(ln);
        if (!j) continue;
        const ann: Annotation = { file, lineNo, line: ln, data };
        const why = check(found, data, expectedTimes);
        results.push({ filter: name, combo: t.combo, annotation: ann, ok: why === undefined, why });
      }
    }
  }
  return results;
}

function check(
  found0: RawFailure[],
  data: Record<string, unknown>,
  times: Map<string, number>,
): string | undefined {
  const found = found0.filter((r) => r.fid !== undefined && !r.fail.nofail);
  if (found.length === 0) return data.match ? "line not matched when it should have" : undefined;
  if (!data.match) return `line matched when it should not have (host ${found[0].fid})`;
  if (found.length !== 1) return `several regexes matched: ${found.map((f) => f.regexIndex).join(", ")}`;
  const r = found[0];
  for (const [k, v] of Object.entries(data)) {
    if (["time", "match", "desc", "constraint"].includes(k)) continue;
    let fv = r.fail[k];
    let ipCompare = false;
    if (fv === undefined || fv === null) {
      if (k === "host") {
        fv = r.fid;
        ipCompare = true; // fail2ban compares an IPAddr: equal addresses are equal whatever their spelling
      }
      if (k === "attempts") fv = ((r.fail.matches as unknown[]) ?? []).length;
    }
    const a = fv instanceof Set || Array.isArray(fv) ? sortedJson(fv) : JSON.stringify(fv ?? null);
    const b = Array.isArray(v)
      ? sortedJson(v)
      : JSON.stringify(ipCompare && typeof v === "string" ? ipAddrText(v, undefined) : (v ?? null));
    if (a !== b) return `${k}: got ${a}, expected ${b}`;
  }
  if (typeof data.time === "string") {
    const exp = times.get(data.time);
    if (exp === undefined) return `no expected time for ${data.time}`;
    const got = r.time === undefined ? undefined : r.time / 1000;
    if (got === undefined || Math.abs(got - exp) > 1e-6) {
      const iso = (s: number | undefined) => (s === undefined ? "none" : new Date(s * 1000).toISOString());
      return `time: got ${iso(got)}, expected ${iso(exp)} (UTC; local ${data.time})`;
    }
  }
  return undefined;
}

/** Every annotation time in the corpus (for one batched conversion). */
export function corpusTimes(filters: string[]): string[] {
  const out: string[] = [];
  const files = new Set<string>(filters);
  for (const f of filters) if (f === "sshd") files.add("sshd-journal");
  for (const f of files) {
    const p = path.join(F2B_LOGS, f);
    if (!existsSync(p)) continue;
    for (const m of readFileSync(p, "utf8").matchAll(/^#+ ?failJSON:(.+)$/gm)) {
      try {
        const t = (JSON.parse(m[1]) as { time?: string }).time;
        if (t) out.push(t);
      } catch {
        /* the run reports malformed annotations */
      }
    }
  }
  return out;
}
