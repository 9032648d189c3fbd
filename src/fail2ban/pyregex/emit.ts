/**
 * Python regex tree → JavaScript RegExp source with the `u` flag (`v` when a class nests a class). Python's str patterns are Unicode-aware
 * (`\d`, `\w`, `\s`, `\b` follow Unicode), `.` excludes only `\n`, and `$` also matches before a final
 * `\n`; every construct is written out so that JS matches what Python matches.
 */
import type { ClassEscape, ClassItem, Node } from "./ast.js";
import { PyRegexError } from "./ast.js";

/** Python's str.isspace(): what `\s` matches without re.ASCII. */
const PY_SPACE =
  "\\t-\\r\\u{1c}-\\u{20}\\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200a}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}";
const ASCII_SPACE = "\\t-\\r\\u{20}";
const WORD = "\\p{L}\\p{N}_";
const ASCII_WORD = "a-zA-Z0-9_";

export interface EmittedGroup {
  /** the JS group name */
  js: string;
  /** the Python group number */
  num: number;
}

export interface EmitResult {
  source: string;
  flags: string;
  groups: EmittedGroup[];
}

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function isAlnum(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
}

function litOutside(cp: number): string {
  const c = String.fromCodePoint(cp);
  if ("^$\\.*+?()[]{}|/".includes(c)) return `\\${c}`;
  if (cp >= 0x20 && cp < 0x7f) return c;
  return hex(cp);
}

function litInClass(cp: number): string {
  return isAlnum(cp) ? String.fromCodePoint(cp) : hex(cp);
}

function caseVariants(cp: number): number[] {
  const s = String.fromCodePoint(cp);
  const out = new Set([cp]);
  for (const v of [s.toLowerCase(), s.toUpperCase()]) {
    const c = v.codePointAt(0) as number;
    if (v.length === String.fromCodePoint(c).length) out.add(c);
  }
  return [...out];
}

function escClass(c: ClassEscape, ascii: boolean, inClass: boolean): string {
  const word = ascii ? ASCII_WORD : WORD;
  const space = ascii ? ASCII_SPACE : PY_SPACE;
  switch (c) {
    case "d":
      return ascii ? (inClass ? "0-9" : "[0-9]") : "\\p{Nd}";
    case "D":
      return ascii ? "[^0-9]" : "\\P{Nd}";
    case "w":
      return inClass ? word : `[${word}]`;
    case "W":
      return `[^${word}]`;
    case "s":
      return inClass ? space : `[${space}]`;
    case "S":
      return `[^${space}]`;
  }
}

class Emitter {
  readonly groups: EmittedGroup[] = [];
  private readonly copies = new Map<number, string[]>();
  private atomicCount = 0;
  /** a class holds a negated class (`[\\W]`): only the `v` flag can nest classes */
  needsV = false;

  constructor(
    /** Python group numbers that must capture (named, or referenced by a backreference) */
    private readonly capture: Set<number>,
    /** the whole pattern is case-insensitive: the JS `i` flag is used */
    private readonly flagI: boolean,
  ) {}

  emit(n: Node): string {
    switch (n.t) {
      case "seq":
        return n.items.map((x) => (x.t === "alt" ? `(?:${this.emit(x)})` : this.emit(x))).join("");
      case "alt":
        return n.alts.map((x) => this.emit(x)).join("|");
      case "char":
        return this.char(n.cp, n.i);
      case "class":
        return this.cls(n.items, n.neg, n.i, n.a);
      case "esc":
        return escClass(n.c, n.a, false);
      case "dot":
        return n.s ? "[\\s\\S]" : "[^\\n]";
      case "bol":
        return n.m ? "(?<![^\\n])" : "^";
      case "eol":
        return n.m ? "(?![^\\n])" : "(?=\\n?$)";
      case "bos":
        return "^";
      case "eos":
        return "$";
      case "wordb":
        return this.wordBoundary(n.neg, n.a);
      case "backref":
        return this.backref(n.num, n.i, n.pos);
      case "rep":
        return this.rep(n);
      case "group":
        return this.group(n);
      case "cond":
        throw new PyRegexError("conditional left after rewriting", n.pos);
    }
  }

  private char(cp: number, ci: boolean): string {
    if (ci && !this.flagI) {
      const vs = caseVariants(cp);
      if (vs.length > 1) return `[${vs.map(litInClass).join("")}]`;
    }
    if (!ci && this.flagI && caseVariants(cp).length > 1)
      throw new PyRegexError(
        "a case-sensitive part inside a case-insensitive pattern cannot be translated",
        0,
      );
    return litOutside(cp);
  }

  private cls(items: ClassItem[], neg: boolean, ci: boolean, ascii: boolean): string {
    const parts: string[] = [];
    const extra: ClassItem[] = [];
    for (const it of items) {
      if ("esc" in it) {
        const e = escClass(it.esc, ascii, true);
        if (e.startsWith("[")) this.needsV = true;
        parts.push(e);
        continue;
      }
      parts.push(it.lo === it.hi ? litInClass(it.lo) : `${litInClass(it.lo)}-${litInClass(it.hi)}`);
      if (ci && !this.flagI) extra.push(...caseRanges(it.lo, it.hi));
    }
    for (const e of extra)
      if (!("esc" in e))
        parts.push(e.lo === e.hi ? litInClass(e.lo) : `${litInClass(e.lo)}-${litInClass(e.hi)}`);
    return `[${neg ? "^" : ""}${parts.join("")}]`;
  }

  private wordBoundary(neg: boolean, ascii: boolean): string {
    if (ascii && !this.flagI) return neg ? "\\B" : "\\b";
    const w = `[${ascii ? ASCII_WORD : WORD}]`;
    return neg ? `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))` : `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`;
  }

  private backref(num: number, ci: boolean, pos: number): string {
    if (ci && !this.flagI)
      throw new PyRegexError(
        "a case-insensitive backreference inside a case-sensitive pattern cannot be translated",
        pos,
      );
    const names = this.copies.get(num) ?? [];
    if (names.length === 0) throw new PyRegexError(`backreference to group ${num} that is not captured`, pos);
    return `(?:${names.map((js) => `\\k<${js}>`).join("")})`;
  }

  private rep(n: Extract<Node, { t: "rep" }>): string {
    const b = n.body;
    const simple =
      b.t === "char" ||
      b.t === "class" ||
      b.t === "esc" ||
      b.t === "dot" ||
      b.t === "backref" ||
      (b.t === "group" && b.kind !== "atomic");
    const inner = this.emit(b);
    const body = simple ? inner : `(?:${inner})`;
    const max = n.max === Number.POSITIVE_INFINITY ? "" : String(n.max);
    let q: string;
    if (n.min === 0 && n.max === Number.POSITIVE_INFINITY) q = "*";
    else if (n.min === 1 && n.max === Number.POSITIVE_INFINITY) q = "+";
    else if (n.min === 0 && n.max === 1) q = "?";
    else if (n.min === n.max) q = `{${n.min}}`;
    else q = `{${n.min},${max}}`;
    const lazy = n.lazy ? "?" : "";
    if (n.possessive) return this.atomic(`${body}${q}`);
    return `${body}${q}${lazy}`;
  }

  /** An atomic group: a lookahead never backtracks into its match, the backreference consumes it. */
  private atomic(inner: string): string {
    const name = `a${++this.atomicCount}`;
    return `(?=(?<${name}>${inner}))\\k<${name}>`;
  }

  private group(n: Extract<Node, { t: "group" }>): string {
    switch (n.kind) {
      case "cap": {
        const num = n.num as number;
        if (!this.capture.has(num)) return `(?:${this.emit(n.body)})`;
        const list = this.copies.get(num) ?? [];
        const js = `g${num}_${list.length}`;
        const body = this.emit(n.body);
        list.push(js);
        this.copies.set(num, list);
        this.groups.push({ js, num });
        return `(?<${js}>${body})`;
      }
      case "nc":
        return `(?:${this.emit(n.body)})`;
      case "atomic":
        return this.atomic(this.emit(n.body));
      case "la":
        return `(?=${this.emit(n.body)})`;
      case "nla":
        return `(?!${this.emit(n.body)})`;
      case "lb":
      case "nlb": {
        const [lo, hi] = width(n.body);
        if (lo !== hi) throw new PyRegexError("look-behind requires fixed-width pattern", n.pos);
        return `(?<${n.kind === "lb" ? "=" : "!"}${this.emit(n.body)})`;
      }
    }
  }
}

/** The other-case ranges of a range (ASCII letters exactly; other ranges character by character). */
function caseRanges(lo: number, hi: number): ClassItem[] {
  const out: ClassItem[] = [];
  const a = Math.max(lo, 0x41);
  const b = Math.min(hi, 0x5a);
  if (a <= b) out.push({ lo: a + 32, hi: b + 32 });
  const c = Math.max(lo, 0x61);
  const d = Math.min(hi, 0x7a);
  if (c <= d) out.push({ lo: c - 32, hi: d - 32 });
  if (hi >= 0x80 && hi - Math.max(lo, 0x80) < 512) {
    for (let cp = Math.max(lo, 0x80); cp <= hi; cp++)
      for (const v of caseVariants(cp)) if (v !== cp) out.push({ lo: v, hi: v });
  }
  return out;
}

/** [min, max] length of what a node matches (max Infinity when unbounded). */
export function width(n: Node): [number, number] {
  switch (n.t) {
    case "seq":
      return n.items.map(width).reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
    case "alt": {
      const ws = n.alts.map(width);
      return [Math.min(...ws.map((w) => w[0])), Math.max(...ws.map((w) => w[1]))];
    }
    case "char":
    case "class":
    case "esc":
    case "dot":
      return [1, 1];
    case "group":
      return n.kind === "cap" || n.kind === "nc" || n.kind === "atomic" ? width(n.body) : [0, 0];
    case "rep": {
      const [a, b] = width(n.body);
      return [
        a * n.min,
        n.max === Number.POSITIVE_INFINITY ? (b === 0 ? 0 : Number.POSITIVE_INFINITY) : b * n.max,
      ];
    }
    case "backref":
      return [0, Number.POSITIVE_INFINITY];
    case "cond": {
      const [a, b] = width(n.yes);
      const [c, d] = width(n.no);
      return [Math.min(a, c), Math.max(b, d)];
    }
    default:
      return [0, 0];
  }
}

export function emitJs(root: Node, capture: Set<number>, flagI: boolean): EmitResult {
  const e = new Emitter(capture, flagI);
  const source = e.emit(root);
  // `u` unless a class nests another: V8 (Node 20) mis-matches some patterns under `v`, e.g.
  // /^(?:[^a]+|(?:a[^c]*c)+)X/v fails on "abcX" (fail2ban's rfc5424 prefix has that shape)
  const flags = (e.needsV ? "v" : "u") + (flagI ? "i" : "");
  return { source, flags, groups: e.groups };
}
