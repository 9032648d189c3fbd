/**
 * Parses the regex subset CloudWatch filter patterns accept (AWS: "Supported regular expressions (regex)
 * syntax"): literals, `.`, `\d \D \s \S \w \W`, classes, `* + ? {m} {m,} {m,n}`, `|`, `^`, `$`, escapes.
 * Groups, look-arounds and back-references are positioned errors. Stricter than AWS where it is silent:
 * a quantifier after a quantifier (`*?`, `*+`), an empty alternative, a lone `]` or `}` and a `{` that is
 * not a repeat count are errors too.
 */
import { PatternSyntaxError } from "../errors.js";
import { type CharSet, DIGIT, DOT, normalizeRanges, type RegexNode, SPACE, WORD } from "./ast.js";

export const MAX_REPEAT = 1000;

/** Literal characters AWS lists besides letters and digits (plus the space, which its own examples use). */
const PLAIN_SYMBOLS = " :_#=@/;,-";
/** Characters that are operators outside a class but plain inside one. */
const CLASS_PLAIN = ".*+?$|{}^";

class RegexParser {
  pos: number;
  constructor(
    readonly source: string,
    readonly begin: number,
    readonly end: number,
  ) {
    this.pos = begin;
  }

  fail(reason: string, offset = this.pos): never {
    throw new PatternSyntaxError(this.source, offset, reason);
  }

  peek(): string {
    return this.pos < this.end ? this.source[this.pos] : "";
  }

  parseAlternation(): RegexNode {
    const start = this.pos;
    const alternatives = [this.parseConcat()];
    while (this.peek() === "|") {
      this.pos++;
      alternatives.push(this.parseConcat());
    }
    if (alternatives.length === 1) return alternatives[0];
    return { type: "alt", alternatives, start, end: this.pos };
  }

  parseConcat(): RegexNode {
    const start = this.pos;
    const items: RegexNode[] = [];
    while (this.pos < this.end && this.peek() !== "|") {
      items.push(this.parseQuantified());
    }
    if (items.length === 0 && (this.peek() === "|" || start !== this.begin || this.pos !== this.end)) {
      this.fail("empty alternative in regex: put something on both sides of '|'");
    }
    if (items.length === 1) return items[0];
    return { type: "concat", items, start, end: this.pos };
  }

  parseQuantified(): RegexNode {
    const atom = this.parseAtom();
    const q = this.readQuantifier();
    if (!q) return atom;
    if (atom.type === "begin" || atom.type === "end")
      this.fail("nothing to repeat: '^' and '$' take no quantifier", q.start);
    if (this.isQuantifierHere()) {
      this.fail(
        "a quantifier cannot follow another one ('*?' lazy and '*+' possessive forms are not supported)",
      );
    }
    return { type: "repeat", node: atom, min: q.min, max: q.max, start: atom.start, end: this.pos };
  }

  isQuantifierHere(): boolean {
    const ch = this.peek();
    return ch === "*" || ch === "+" || ch === "?" || (ch === "{" && this.tryRepeatCount() !== undefined);
  }

  readQuantifier(): { min: number; max: number; start: number } | undefined {
    const start = this.pos;
    const ch = this.peek();
    if (ch === "*" || ch === "+" || ch === "?") {
      this.pos++;
      return { min: ch === "+" ? 1 : 0, max: ch === "?" ? 1 : Number.POSITIVE_INFINITY, start };
    }
    if (ch !== "{") return undefined;
    const count = this.tryRepeatCount();
    if (!count)
      return this.fail("expected a repeat count like {2}, {2,} or {1,3} (escape a literal '{' as '\\{')");
    this.pos = count.next;
    if (count.min > MAX_REPEAT || (count.max !== Number.POSITIVE_INFINITY && count.max > MAX_REPEAT)) {
      this.fail(`repeat counts are limited to ${MAX_REPEAT}`, start);
    }
    if (count.max < count.min)
      this.fail(`repeat count {${count.min},${count.max}}: the maximum is below the minimum`, start);
    return { min: count.min, max: count.max, start };
  }

  /** Reads `{m}`, `{m,}` or `{m,n}` at the cursor without moving it. */
  tryRepeatCount(): { min: number; max: number; next: number } | undefined {
    const m = /^\{(\d{1,6})(,(\d{0,6}))?\}/.exec(
      this.source.slice(this.pos, Math.min(this.end, this.pos + 16)),
    );
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? Number.POSITIVE_INFINITY : Number(m[3]);
    return { min, max, next: this.pos + m[0].length };
  }

  parseAtom(): RegexNode {
    const start = this.pos;
    const ch = this.peek();
    switch (ch) {
      case "^":
        this.pos++;
        return { type: "begin", start, end: this.pos };
      case "$":
        this.pos++;
        return { type: "end", start, end: this.pos };
      case ".":
        this.pos++;
        return { type: "chars", set: DOT, start, end: this.pos };
      case "[":
        return this.parseClass();
      case "\\":
        return { type: "chars", set: this.parseEscape(false), start, end: this.pos };
      case "(":
        if (/^\(\?<?[=!]/.test(this.source.slice(this.pos, this.pos + 4))) {
          this.fail("look-arounds are not supported in filter-pattern regexes");
        }
        return this.fail("groups are not supported in filter-pattern regexes");
      case ")":
        return this.fail("groups are not supported in filter-pattern regexes");
      case "*":
      case "+":
      case "?":
        return this.fail(`nothing to repeat before '${ch}' (escape a literal one as '\\${ch}')`);
      case "{":
        return this.fail("nothing to repeat before '{' (escape a literal one as '\\{')");
      case "]":
      case "}":
        return this.fail(`unmatched '${ch}' (escape a literal one as '\\${ch}')`);
    }
    const code = this.literalCode(ch, start, false);
    this.pos++;
    return { type: "chars", set: { ranges: [code, code], negated: false }, start, end: this.pos };
  }

  /** Checks a literal character against the characters AWS accepts and returns its code. */
  literalCode(ch: string, offset: number, inClass: boolean): number {
    const code = ch.charCodeAt(0);
    if (code > 126)
      this.fail("multi-byte and non-ASCII characters are not supported in filter-pattern regexes", offset);
    const ok = /[A-Za-z0-9]/.test(ch) || PLAIN_SYMBOLS.includes(ch) || (inClass && CLASS_PLAIN.includes(ch));
    if (!ok) {
      const shown = code < 32 ? `\\x${code.toString(16).padStart(2, "0")}` : ch;
      this.fail(
        `'${shown}' is not supported in filter-pattern regexes (escape a literal one as '\\${shown}')`,
        offset,
      );
    }
    return code;
  }

  /** `\d`, `\n`, `\.` ...; inside a class `\b` etc. are errors too. The cursor is on the backslash. */
  parseEscape(inClass: boolean): CharSet {
    const at = this.pos;
    const ch = this.source[this.pos + 1];
    if (this.pos + 1 >= this.end || ch === undefined)
      this.fail("a regex cannot end with '\\': escape it as '\\\\'");
    this.pos += 2;
    switch (ch) {
      case "d":
        return { ranges: [...DIGIT], negated: false };
      case "D":
        return { ranges: [...DIGIT], negated: true };
      case "w":
        return { ranges: [...WORD], negated: false };
      case "W":
        return { ranges: [...WORD], negated: true };
      case "s":
        return { ranges: [...SPACE], negated: false };
      case "S":
        return { ranges: [...SPACE], negated: true };
      case "n":
        return { ranges: [10, 10], negated: false };
      case "t":
        return { ranges: [9, 9], negated: false };
      case "r":
        return { ranges: [13, 13], negated: false };
      case "f":
        return { ranges: [12, 12], negated: false };
      case "v":
        return { ranges: [11, 11], negated: false };
    }
    if (/[0-9]/.test(ch)) this.fail("back-references are not supported in filter-pattern regexes", at);
    if (ch === "b" || ch === "B")
      this.fail("word boundaries (\\b, \\B) are not supported in filter-pattern regexes", at);
    const code = ch.charCodeAt(0);
    if (code > 126)
      this.fail("multi-byte and non-ASCII characters are not supported in filter-pattern regexes", at + 1);
    if (/[A-Za-z]/.test(ch) || code < 33)
      this.fail(`unsupported escape '\\${ch}'${inClass ? " in a character class" : ""}`, at);
    return { ranges: [code, code], negated: false };
  }

  parseClass(): RegexNode {
    const start = this.pos;
    this.pos++;
    const negated = this.peek() === "^";
    if (negated) this.pos++;
    const ranges: number[] = [];
    const negatedParts: CharSet[] = [];
    if (this.peek() === "]")
      this.fail("empty character class: put at least one character between '[' and ']'");
    while (this.peek() !== "]") {
      if (this.pos >= this.end) this.fail("unterminated character class: add the closing ']'", start);
      if (this.peek() === "[")
        this.fail("'[' inside a character class is not supported (escape it as '\\[')");
      const itemStart = this.pos;
      const lo = this.classAtom();
      if (lo.negated || lo.ranges.length !== 2 || lo.ranges[0] !== lo.ranges[1]) {
        if (lo.negated) negatedParts.push(lo);
        else ranges.push(...lo.ranges);
        continue;
      }
      if (this.peek() === "-" && this.source[this.pos + 1] !== "]" && this.pos + 1 < this.end) {
        this.pos++;
        const hi = this.classAtom();
        if (hi.negated || hi.ranges.length !== 2 || hi.ranges[0] !== hi.ranges[1]) {
          this.fail("a range cannot end with a class like \\d", this.pos - 2);
        }
        if (hi.ranges[0] < lo.ranges[0])
          this.fail("range out of order: the first character must come first", itemStart);
        ranges.push(lo.ranges[0], hi.ranges[0]);
      } else {
        ranges.push(lo.ranges[0], lo.ranges[0]);
      }
    }
    this.pos++;
    const set = mergeNegatedParts(normalizeRanges(ranges), negatedParts, negated);
    return { type: "chars", set, start, end: this.pos };
  }

  classAtom(): CharSet {
    if (this.peek() === "\\") return this.parseEscape(true);
    const at = this.pos;
    const ch = this.peek();
    this.pos++;
    const code = this.literalCode(ch, at, true);
    return { ranges: [code, code], negated: false };
  }
}

/** `[a\D]`: members like \D are written out as the ranges they stand for, then joined with the rest. */
function mergeNegatedParts(ranges: number[], negatedParts: CharSet[], negated: boolean): CharSet {
  let all = ranges;
  for (const part of negatedParts) all = union(all, complement(part.ranges));
  return { ranges: all, negated };
}

function complement(ranges: number[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    if (ranges[i] > next) out.push(next, ranges[i] - 1);
    next = ranges[i + 1] + 1;
  }
  if (next <= 0xffff) out.push(next, 0xffff);
  return out;
}

function union(a: number[], b: number[]): number[] {
  return normalizeRanges([...a, ...b]);
}

/** Parses source[begin, end) (the text between the two '%'). */
export function parseRegex(source: string, begin: number, end: number): RegexNode {
  const parser = new RegexParser(source, begin, end);
  if (begin === end) parser.fail("empty regex: put an expression between the two '%'");
  return parser.parseAlternation();
}
