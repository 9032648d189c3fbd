/**
 * Date templates as fail2ban builds them (fail2ban/server/datetemplate.py): the same text transformations
 * (%-codes, word/line boundaries, `{^LN-BEG}`, `{UNB}`, `**`, global flags), so each template has the very
 * regex and name fail2ban gives it; the regex is then translated to JS once, on first use.
 */
import { translatePyRegex } from "../pyregex/index.js";
import { DatePatternError, expandDirectives } from "./directives.js";
import { isZeroWidth, nameGroups } from "./pysource.js";

export const LINE_BEGIN = 8;
export const LINE_END = 4;
export const WORD_BEGIN = 2;
export const WORD_END = 1;

const RE_GROUPED = /(?<!\(\?)(?<!\\)\((?!\?)/;
const RE_GROUP = /^((?:\(\?\w+\))?\^?(?:\(\?\w+\))?)(.*?)(\$?)$/;
const RE_GLOBALFLAGS = /((?:^|(?!<\\))\(\?[a-z]+\))/;
const RE_EXLINE_NO_BOUNDS = /^\{UNB\}/;
const RE_EXLINE_BOUND_BEG = /^\{\^LN-BEG\}/;
const RE_EXSANC_BOUND_BEG = /^\((?:\?:)?\^\|\\b\|\\W\)/;
const RE_EXEANC_BOUND_BEG = /\(\?=\\b\|\\W\|\$\)$/;
const RE_NO_WRD_BOUND_BEG = /^\(*(?:\(\?\w+\))?(?:\^|\(*\*\*|\((?:\?:)?\^)/;
const RE_NO_WRD_BOUND_END = /(?<!\\)(?:\$\)?|\\b|\\s|\*\*\)*)$/;
const RE_DEL_WRD_BOUNDS = /^\(*(?:\(\?\w+\))?\(*\*\*|(?<!\\)\*\*\)*$/g;
const RE_LINE_BOUND_BEG = /^(?:\(\?\w+\))?(?:\^|\((?:\?:)?\^(?!\|))/;
const RE_LINE_BOUND_END = /(?<![\\|])(?:\$\)?)$/;
const RE_ALPHA_PATTERN = /(?<!%)%[aAbBpc]/;
export const RE_EPOCH_PATTERN = /(?<!\\)\{L?EPOCH\}/gi;

/** The date fields fail2ban's reGroupDictStrptime reads. */
const DATE_FIELDS = new Set([
  "Y",
  "y",
  "m",
  "B",
  "b",
  "d",
  "H",
  "I",
  "p",
  "M",
  "S",
  "A",
  "a",
  "w",
  "j",
  "U",
  "W",
  "z",
  "Z",
]);

/** fail2ban's DateTemplate.unboundPattern: a pattern without its boundary markers (for `{DATE}`). */
export function unboundPattern(pattern: string): string {
  return pattern
    .replace(RE_EXLINE_NO_BOUNDS, "")
    .replace(RE_EXLINE_BOUND_BEG, "")
    .replace(RE_EXSANC_BOUND_BEG, "")
    .replace(RE_EXEANC_BOUND_BEG, "");
}

export type WordBegin = boolean | "start";

/** The translated regex of a template, with what the detector reads from a match. */
export interface Compiled {
  /** global flag: exec from lastIndex */
  re: RegExp;
  /** the capture indexes carrying Python group 1 (the date text fail2ban cuts out) */
  g1: number[];
  /** Python group 2 (the epoch of an `{EPOCH}` pattern) */
  g2: number[];
  /** group 1 ends where the match ends (only lookarounds follow it), so no indices are needed */
  g1AtEnd: boolean;
  /** sticky, with indices: re-run at a match's start when g1AtEnd is false */
  withIndices?: RegExp;
  /** date fields in Python group order: [field, capture indexes] */
  fields: Array<[string, number[]]>;
}

export abstract class DateTemplate {
  name = "";
  /** the Python regex, exactly as fail2ban builds it */
  regex = "";
  flags = 0;
  weight = 1;
  /** matches found by this template in any detector (fail2ban keeps this on the shared template) */
  hits = 0;
  private compiled: Compiled | undefined;

  /** DateTemplate.setRegex: boundaries, group 1, flags. */
  protected setRegex(input: string, wordBegin: WordBegin = true, wordEnd = true): void {
    let regex = input.trim();
    const gf = RE_GLOBALFLAGS.exec(regex);
    if (gf) regex = regex.replace(RE_GLOBALFLAGS, "");
    const boundBegin = wordBegin !== false && !RE_NO_WRD_BOUND_BEG.test(regex);
    const boundEnd = wordEnd && !RE_NO_WRD_BOUND_END.test(regex);
    if (!RE_GROUPED.test(regex)) regex = regex.replace(RE_GROUP, "$1($2)$3");
    this.flags = 0;
    if (boundBegin) {
      if (wordBegin !== "start") {
        this.flags |= WORD_BEGIN;
        regex = `(?=^|\\b|\\W)${regex}`;
      } else {
        this.flags |= LINE_BEGIN;
        regex = `^(?:\\W{0,2})?${regex}`;
        if (!this.name.startsWith("{^LN-BEG}")) this.name = `{^LN-BEG}${this.name}`;
      }
    }
    if (boundEnd) {
      this.flags |= WORD_END;
      regex += "(?=\\b|\\W|$)";
    }
    if (!(this.flags & LINE_BEGIN) && RE_LINE_BOUND_BEG.test(regex)) this.flags |= LINE_BEGIN;
    if (!(this.flags & LINE_END) && RE_LINE_BOUND_END.test(regex)) this.flags |= LINE_END;
    regex = regex.replace(RE_DEL_WRD_BOUNDS, (m) => m.replaceAll("**", ""));
    if (gf) regex = gf[1] + regex;
    this.regex = regex;
    this.compiled = undefined;
  }

  /** How messages name this template. */
  protected describe(): string {
    return `date template ${JSON.stringify(this.name)}`;
  }

  /** The Python regex handed to the translator (differs from `regex` only where Python syntax has no JS form). */
  protected regexForJs(): string {
    return this.regex;
  }

  /** Translates to JS (once); throws DatePatternError naming the template and the reason. */
  compile(): Compiled {
    if (this.compiled) return this.compiled;
    const named = nameGroups(this.regexForJs(), [1, 2]);
    let t: ReturnType<typeof translatePyRegex>;
    try {
      t = translatePyRegex(named.source);
    } catch (err) {
      throw new DatePatternError(`${this.describe()}: ${(err as Error).message}`);
    }
    const captures = (n: number): number[] => {
      const py = named.names.get(n);
      return py === undefined ? [] : (t.named.get(py) ?? []);
    };
    const close = named.closeAt.get(1);
    const g1AtEnd = close !== undefined && isZeroWidth(named.source.slice(close + 1));
    const flags = t.flags.replace(/[gyd]/g, "");
    const fields = t.groupNames
      .filter((n) => DATE_FIELDS.has(n))
      .map((n): [string, number[]] => [n, t.named.get(n) ?? []]);
    // built here, not from t.regex (never used: building it costs as much as these)
    const source = t.source;
    let withIndices: RegExp | undefined;
    this.compiled = {
      re: new RegExp(source, `${flags}g`),
      g1: captures(1),
      g2: captures(2),
      g1AtEnd,
      // only read when a date by this template is cut out: built then
      get withIndices(): RegExp | undefined {
        if (g1AtEnd) return undefined;
        withIndices ??= new RegExp(source, `${flags}dy`);
        return withIndices;
      },
      fields,
    };
    return this.compiled;
  }

  /** Python's `regex.search(line, pos, endpos)`; counts the hit as fail2ban's matchDate does. */
  matchDate(line: string, pos = 0, endpos = line.length): RegExpExecArray | null {
    const c = this.compiled ?? this.compile();
    c.re.lastIndex = pos;
    const m = c.re.exec(endpos < line.length ? line.slice(0, endpos) : line);
    if (m) this.hits++;
    return m;
  }
}

/** Value of the first JS copy of a Python group that took part in the match. */
export function groupValue(m: RegExpExecArray, at: number[]): string | undefined {
  for (const j of at) {
    const v = m[j];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** [start, end) of Python group 1 of a match found by `t` in `line` (fail2ban cuts this text out). */
export function dateSpan(t: DateTemplate, m: RegExpExecArray, line: string): [number, number] {
  const c = t.compile();
  const text = groupValue(m, c.g1);
  if (text === undefined) return [m.index, m.index];
  if (c.g1AtEnd) {
    const end = m.index + m[0].length;
    return [end - text.length, end];
  }
  const re = c.withIndices as RegExp;
  re.lastIndex = m.index;
  const again = re.exec(line);
  const indices = again?.indices;
  if (indices) {
    for (const j of c.g1) {
      const span = indices[j];
      if (span) return [span[0], span[1]];
    }
  }
  return [m.index, m.index];
}

/** fail2ban's DatePatternRegex: a pattern with %-codes. */
export class DatePatternRegex extends DateTemplate {
  readonly kind = "pattern";
  pattern = "";
  private source = "";
  protected override describe(): string {
    return `datepattern ${JSON.stringify(this.source)} (regex ${JSON.stringify(this.regex)})`;
  }
  constructor(pattern: string, currentYear: number, wordBegin: WordBegin = true, wordEnd = true) {
    super();
    this.pattern = pattern;
    let p = pattern;
    let wb = wordBegin;
    let we = wordEnd;
    if (RE_EXLINE_NO_BOUNDS.test(p)) {
      p = p.replace(RE_EXLINE_NO_BOUNDS, "");
      wb = false;
      we = false;
    }
    if (wb && RE_EXLINE_BOUND_BEG.test(p)) {
      p = p.replace(RE_EXLINE_BOUND_BEG, "");
      wb = "start";
    }
    const { regex, name } = expandDirectives(p, currentYear);
    this.source = pattern;
    this.name = name;
    this.setRegex(RE_ALPHA_PATTERN.test(p) ? `(?iu)${regex}` : regex, wb, we);
  }
}

const EPOCH_RE = "\\d{10,11}\\b(?:\\.\\d{3,6})?";
const LONG_EPOCH_RE = "\\d{10,11}(?:\\d{3}(?:\\.\\d{1,6}|\\d{3})?)?";
/** The conditionals of fail2ban's epoch regexes can always take an empty branch, so they never reject a match. */
const EPOCH_COND = "(?:(?(selinux)(?=:\\d+\\)))|(?(square)(?=\\])))";
const EPOCH_COND_LB = "(?(square)(?=\\]))";

/** fail2ban's DateEpoch: seconds (EPOCH) or milli/microseconds (LEPOCH) since the epoch. */
export class DateEpoch extends DateTemplate {
  readonly kind = "epoch";
  readonly longFrm: boolean;
  readonly grpIdx: number;
  constructor(opts: { lineBeginOnly?: boolean; pattern?: string; longFrm?: boolean }) {
    super();
    this.longFrm = opts.longFrm ?? false;
    this.name = opts.pattern ?? (this.longFrm ? "LongEpoch" : "Epoch");
    const epochRe = this.longFrm ? LONG_EPOCH_RE : EPOCH_RE;
    this.grpIdx = opts.pattern ? 2 : 1;
    if (opts.pattern) {
      this.setRegex(`(${opts.pattern.replace(RE_EPOCH_PATTERN, () => `(${epochRe})`)})`);
    } else if (!opts.lineBeginOnly) {
      const start = "(?:^|(?P<square>(?<=^\\[))|(?P<selinux>(?<=\\baudit\\()))";
      this.setRegex(`(${start}${epochRe})${EPOCH_COND}`, false);
    } else {
      this.setRegex(`((?P<square>(?<=^\\[))?${epochRe})${EPOCH_COND_LB}`, "start", true);
    }
  }
  protected override regexForJs(): string {
    return this.regex.replace(EPOCH_COND, "").replace(EPOCH_COND_LB, "");
  }
}

/** fail2ban's DateTai64n: `@` and 24 hex digits (daemontools' tai64n). */
export class DateTai64n extends DateTemplate {
  readonly kind = "tai64n";
  constructor(wordBegin: WordBegin = false) {
    super();
    this.name = "TAI64N";
    this.setRegex("@[0-9a-f]{24}", wordBegin);
  }
}

export type AnyTemplate = DatePatternRegex | DateEpoch | DateTai64n;
