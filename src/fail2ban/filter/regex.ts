/**
 * One fail2ban regex (failregex, ignoreregex or prefregex), compiled to a JS RegExp, searched over the
 * line buffer the way fail2ban's failregex.py `Regex.search` does: the buffer is the lines with their
 * date cut out, joined by "\n" with a final "\n"; a match knows which buffered lines it covered.
 */
import { ConfigError } from "../../core/errors.js";
import {
  groupDict,
  groupDictBuilder,
  PyRegexError,
  type TranslatedRegex,
  translatePyRegex,
} from "../pyregex/index.js";
import { fail2banPattern } from "../pyregex/tags.js";
import { type GroupsMerger, groupsMerger } from "./merge-groups.js";

/** A log line split around its date: [before the date, the date text, after the date]. */
export type TupleLine = [string, string, string];

/** Failure data as fail2ban's groupdict plus what the filter adds (matches, users, ...). */
export type Fail = Record<string, unknown>;

export interface RegexSource {
  text: string;
  file: string;
  line: number;
  col: number;
}

const COMPLNAME = /^(alt_|tuple_)(.*?)(?:_\d+)?$/;
const R_MAP: Record<string, string> = { id: "fid", port: "fport" };
const SPLITLINES = /\r\n|[\n\r\v\f\u001c-\u001e\u0085\u2028\u2029]/;

export function tupleLinesBuf(lines: TupleLine[]): string {
  let s = "";
  for (const l of lines) s += `${l[0]}${l[2]}\n`;
  return s;
}

export function untranslatable(src: RegexSource, kind: string, err: PyRegexError | Error): ConfigError {
  const reason = err instanceof PyRegexError ? err.reason : err.message;
  const shown = src.text.length > 120 ? `${src.text.slice(0, 117)}...` : src.text;
  return new ConfigError([
    {
      file: src.file,
      line: src.line,
      col: src.col,
      message: `${kind} cannot be used: ${reason}\n    ${shown}\n    fix the regex (Python re syntax) or override it in a .local file`,
    },
  ]);
}

/**
 * Translations already made in this process, by pattern and mode: `mamori regex` builds each filter twice
 * (its two modes), and config checks load a jail's filter before the jail does. A translated regex is
 * only read (its RegExp has no global flag, so no lastIndex state), so one can serve many F2bRegex.
 */
const translations = new Map<string, TranslatedRegex>();
const MAX_TRANSLATIONS = 1024;

function translateOnce(pattern: string, multiline: boolean): TranslatedRegex {
  const key = `${multiline ? "m" : "s"}${pattern}`;
  let t = translations.get(key);
  if (t === undefined) {
    t = translatePyRegex(pattern, { multiline });
    if (translations.size >= MAX_TRANSLATIONS) translations.clear();
    translations.set(key, t);
  }
  return t;
}

export class F2bRegex {
  readonly source: RegexSource;
  readonly t: TranslatedRegex;
  private readonly literal: string | undefined;
  /** ASCII first-character table of a start-anchored regex (1 = may start a match) */
  private readonly firstAscii: Uint8Array | undefined;
  private readonly firstNonAscii: boolean;
  /**
   * For a start-anchored regex: by first code unit of the subject (slot 128 for any non-ASCII one),
   * 1 when a match may start with it; undefined when any subject may match.
   */
  readonly firstTable: Uint8Array | undefined;
  private readonly altValues: [string, string][] = [];
  private readonly tupleValues: [string, string][] = [];
  private m: RegExpExecArray | null = null;
  /** t.regex once built (t builds it on first use, through a getter: read here once) */
  private re: RegExp | undefined;
  private readonly dictBuilders = new Map<string | undefined, (m: RegExpExecArray) => Fail>();
  private readonly mergers = new Map<readonly string[], GroupsMerger>();
  matchedTupleLines: TupleLine[] = [];
  unmatchedTupleLines: TupleLine[] = [];

  constructor(source: RegexSource, opts: { multiline: boolean; useDns: string; kind: string }) {
    this.source = source;
    if (source.text.trim() === "") throw untranslatable(source, opts.kind, new Error("empty regex"));
    try {
      this.t = translateOnce(fail2banPattern(source.text, opts.useDns), opts.multiline);
    } catch (err) {
      throw untranslatable(source, opts.kind, err as Error);
    }
    this.literal = this.t.literals[0];
    const first = this.t.firstChars;
    this.firstAscii = first ? new Uint8Array(128) : undefined;
    this.firstNonAscii = !first;
    if (first && this.firstAscii) {
      for (const c of first) {
        if (c < 128) this.firstAscii[c] = 1;
        else this.firstNonAscii = true;
      }
    }
    if (this.firstAscii) {
      this.firstTable = new Uint8Array(129);
      this.firstTable.set(this.firstAscii);
      this.firstTable[128] = this.firstNonAscii ? 1 : 0;
    }
    for (const k of this.t.groupNames) {
      if (k.length <= 4) continue;
      const n = COMPLNAME.exec(k);
      if (!n) continue;
      const target = R_MAP[n[2].toLowerCase()] ?? n[2].toLowerCase();
      (n[1] === "alt_" ? this.altValues : this.tupleValues).push([k, target]);
    }
    this.altValues.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    this.tupleValues.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  hasGroup(name: string): boolean {
    return this.t.named.has(name);
  }

  /** Whether `name` is a group of the regex or filled from its alt_/tuple_ groups. */
  givesGroup(name: string): boolean {
    if (this.t.named.has(name)) return true;
    return [...this.altValues, ...this.tupleValues].some(([, target]) => target === name);
  }

  /** Searches buf (or the buffer of tupleLines); orgLines are the buffered lines the match is mapped to. */
  search(buf: string, orgLines: TupleLine[]): boolean {
    if (this.firstAscii) {
      const c = buf.charCodeAt(0);
      if (c < 128 ? this.firstAscii[c] === 0 : !this.firstNonAscii) {
        this.m = null;
        return false;
      }
    }
    if (this.literal !== undefined && !buf.includes(this.literal)) {
      this.m = null;
      return false;
    }
    let re = this.re;
    if (re === undefined) {
      re = this.t.regex;
      this.re = re;
    }
    const m = re.exec(buf);
    this.m = m;
    if (!m) return false;
    if (orgLines.length <= 1) {
      this.matchedTupleLines = orgLines;
      this.unmatchedTupleLines = [];
      return true;
    }
    const start = m.index;
    const end = m.index + m[0].length;
    const lineStart = buf.lastIndexOf("\n", start) + 1;
    const nlEnd = buf.indexOf("\n", Math.max(end - 1, 0));
    const lineEnd = nlEnd < 0 ? buf.length : nlEnd + 1;
    const count1 = countNl(buf, 0, lineStart);
    const count2 = countNl(buf, 0, lineEnd);
    const matched = orgLines.slice(count1, count2);
    const unmatched = orgLines.slice(0, count1);
    let n = 0;
    for (const skipped of this.skippedLines()) {
      for (let k = n; k < matched.length; k++) {
        if (matched[k][0] + matched[k][2] === skipped) {
          unmatched.push(...matched.splice(k, 1));
          n = k;
          break;
        }
      }
    }
    unmatched.push(...orgLines.slice(count2));
    this.matchedTupleLines = matched;
    this.unmatchedTupleLines = unmatched;
    return true;
  }

  /** One named group of the last match (fail2ban's group(name)), without building the whole dict. */
  group(name: string): string | undefined {
    const at = this.t.named.get(name);
    const m = this.m;
    if (!at || !m) return undefined;
    for (const j of at) if (m[j] !== undefined) return m[j];
    return undefined;
  }

  hasMatched(): boolean {
    return this.m !== null;
  }

  /**
   * groupdict() with alt_ / tuple_ groups merged as fail2ban does. A fresh object per call; `skip` leaves
   * one group out (deleting it afterwards would turn the object into a slow dictionary).
   */
  groups(skip?: string): Fail {
    if (!this.m) return {};
    const fail: Fail = this.dictBuilder(skip)(this.m);
    for (const [k, n] of this.altValues) {
      const v = fail[k];
      if (v && !fail[n]) fail[n] = v;
    }
    for (const [k, n] of this.tupleValues) {
      const v = fail[k];
      const t = fail[n];
      fail[n] = Array.isArray(t) ? [...t, v] : [t, v];
    }
    return fail;
  }

  /**
   * The keys groups(skip) always gives, in order, and no others: undefined when alt_/tuple_ groups may add
   * some. A new array per call: the caller keeps it, as it keys groupsOver's generated code.
   */
  dictKeys(skip?: string): readonly string[] | undefined {
    if (this.altValues.length || this.tupleValues.length) return undefined;
    return [...this.t.named.keys()].filter((k) => k !== skip);
  }

  /**
   * fail2ban's `fail = preGroups.copy(); fail.update(groups())` for a prefregex dict `pre` whose keys are
   * exactly `preKeys` (its dictKeys): one object of one shape per regex.
   */
  groupsOver(pre: Fail, preKeys: readonly string[]): Fail {
    if (!this.m) return { ...pre };
    let merge = this.mergers.get(preKeys);
    if (!merge) {
      merge = groupsMerger(this.t, this.altValues, this.tupleValues, preKeys);
      this.mergers.set(preKeys, merge);
    }
    return merge(this.m, pre);
  }

  private dictBuilder(skip: string | undefined): (m: RegExpExecArray) => Fail {
    let b = this.dictBuilders.get(skip);
    if (!b) {
      b = groupDictBuilder(this.t, skip);
      this.dictBuilders.set(skip, b);
    }
    return b;
  }

  private skippedLines(): string[] {
    if (!this.m) return [];
    const g = groupDict(this.t, this.m);
    let s = "";
    for (let n = 0; Object.hasOwn(g, `skiplines${n}`) || this.t.named.has(`skiplines${n}`); n++) {
      const v = g[`skiplines${n}`];
      if (v !== undefined) s += v;
    }
    if (s === "") return [];
    const parts = s.split(SPLITLINES);
    if (parts[parts.length - 1] === "") parts.pop();
    return parts;
  }

  /** The failure id by group preference (fail2ban's getFailID); undefined when none took part. */
  failId(groups: readonly string[] = ["fid", "ip4", "ip6", "dns"]): string | undefined {
    if (!this.m) return undefined;
    const g = this.groups();
    for (const name of groups) {
      const v = g[name];
      if (typeof v === "string") return v;
    }
    return undefined;
  }
}

function countNl(s: string, from: number, to: number): number {
  let c = 0;
  for (let i = s.indexOf("\n", from); i >= 0 && i < to; i = s.indexOf("\n", i + 1)) c++;
  return c;
}
