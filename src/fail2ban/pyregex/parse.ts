/**
 * Parser for Python 3.11 `re` patterns (str patterns), following sre_parse.py: what Python rejects is
 * rejected here with the same reason, so a filter fail2ban cannot load is not silently accepted either.
 */
import {
  type ClassEscape,
  type ClassItem,
  type Flags,
  type Node,
  type ParsedPattern,
  PyRegexError,
  seq,
} from "./ast.js";
import { parseEscapeLiteral } from "./escapes.js";

const FLAG_LETTERS = "aiLmsux";
const MAX_REPEAT = 4294967295;

class Parser {
  private p = 0;
  groupCount = 0;
  readonly names = new Map<string, number>();
  private readonly closed = new Set<number>();

  constructor(
    private readonly src: string,
    readonly flags: Flags,
  ) {}

  fail(reason: string, at = this.p): never {
    throw new PyRegexError(reason, at);
  }

  private peek(): string {
    return this.src[this.p] ?? "";
  }

  private eof(): boolean {
    return this.p >= this.src.length;
  }

  /** Skips whitespace and comments in verbose mode. */
  private skipVerbose(f: Flags): void {
    if (!f.x) return;
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") this.p++;
      else if (c === "#") {
        while (!this.eof() && this.peek() !== "\n") this.p++;
      } else return;
    }
  }

  parseAll(): Node {
    const node = this.parseAlt(this.flags, true);
    if (!this.eof()) {
      if (this.peek() === ")") this.fail("unbalanced parenthesis");
      this.fail("unexpected end of pattern");
    }
    return node;
  }

  private parseAlt(f: Flags, top: boolean): Node {
    const alts: Node[] = [this.parseSeq(f, top)];
    while (this.peek() === "|") {
      this.p++;
      alts.push(this.parseSeq(f, false));
    }
    return alts.length === 1 ? alts[0] : { t: "alt", alts };
  }

  private parseSeq(f: Flags, top: boolean): Node {
    const items: Node[] = [];
    for (;;) {
      this.skipVerbose(f);
      if (this.eof()) break;
      const c = this.peek();
      if (c === "|" || c === ")") break;
      const start = this.p;
      const atom = this.parseAtom(f, top && items.length === 0);
      if (atom === undefined) continue;
      this.skipVerbose(f);
      items.push(this.parseQuantifiers(atom, f, start));
    }
    return seq(items);
  }

  private parseQuantifiers(atom: Node, f: Flags, start: number): Node {
    let node = atom;
    let quantified = false;
    for (;;) {
      const q = this.readQuantifier();
      if (!q) return node;
      if (quantified) this.fail("multiple repeat", q.pos);
      if (isZeroWidth(node)) this.fail("nothing to repeat", start);
      quantified = true;
      let lazy = false;
      let possessive = false;
      if (this.peek() === "?") {
        lazy = true;
        this.p++;
      } else if (this.peek() === "+") {
        possessive = true;
        this.p++;
      }
      node = { t: "rep", min: q.min, max: q.max, lazy, possessive, body: node };
      this.skipVerbose(f);
    }
  }

  private readQuantifier(): { min: number; max: number; pos: number } | undefined {
    const pos = this.p;
    const c = this.peek();
    if (c === "*") {
      this.p++;
      return { min: 0, max: Number.POSITIVE_INFINITY, pos };
    }
    if (c === "+") {
      this.p++;
      return { min: 1, max: Number.POSITIVE_INFINITY, pos };
    }
    if (c === "?") {
      this.p++;
      return { min: 0, max: 1, pos };
    }
    if (c !== "{") return undefined;
    const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(this.src.slice(this.p));
    if (!m || (m[1] === "" && m[2] === undefined)) return undefined; // literal "{"
    const min = m[1] === "" ? 0 : Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? Number.POSITIVE_INFINITY : Number(m[3]);
    if (min > MAX_REPEAT || (max !== Number.POSITIVE_INFINITY && max > MAX_REPEAT))
      this.fail("the repetition number is too large");
    if (max < min) this.fail("min repeat greater than max repeat");
    this.p += m[0].length;
    return { min, max, pos };
  }

  /** One atom; undefined for things that produce nothing (global flags, comments). */
  private parseAtom(f: Flags, atStart: boolean): Node | undefined {
    const c = this.src[this.p++];
    switch (c) {
      case "(":
        return this.parseGroup(f, atStart);
      case "[":
        return this.parseClass(f);
      case ".":
        return { t: "dot", s: f.s };
      case "^":
        return { t: "bol", m: f.m };
      case "$":
        return { t: "eol", m: f.m };
      case "\\":
        return this.parseEscape(f);
      case "*":
      case "+":
      case "?":
        this.fail("nothing to repeat", this.p - 1);
        break;
      case "{":
        if (this.readQuantifierAt(this.p - 1)) this.fail("nothing to repeat", this.p - 1);
        return { t: "char", cp: 0x7b, i: f.i };
    }
    const cp = this.src.codePointAt(this.p - 1) as number;
    if (cp > 0xffff) this.p++;
    return { t: "char", cp, i: f.i };
  }

  private readQuantifierAt(pos: number): boolean {
    const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(this.src.slice(pos));
    return !!m && !(m[1] === "" && m[2] === undefined);
  }

  private parseEscape(f: Flags): Node {
    const start = this.p - 1;
    const c = this.src[this.p];
    if (c === undefined) this.fail("bad escape (end of pattern)", start);
    switch (c) {
      case "A":
        this.p++;
        return { t: "bos" };
      case "Z":
        this.p++;
        return { t: "eos" };
      case "b":
      case "B":
        this.p++;
        return { t: "wordb", neg: c === "B", a: f.a };
      case "d":
      case "D":
      case "w":
      case "W":
      case "s":
      case "S":
        this.p++;
        return { t: "esc", c, a: f.a };
    }
    if (c >= "1" && c <= "9") {
      // group reference, or an octal escape with three octal digits
      const oct = /^[0-7]{3}/.exec(this.src.slice(this.p));
      if (oct && c <= "3") {
        this.p += 3;
        const v = Number.parseInt(oct[0], 8);
        if (v > 0o377) this.fail(`octal escape value \\${oct[0]} outside of range 0-0o377`, start);
        return { t: "char", cp: v, i: f.i };
      }
      const m = /^\d\d?/.exec(this.src.slice(this.p)) as RegExpExecArray;
      this.p += m[0].length;
      const num = Number(m[0]);
      this.checkGroupRef(num, start);
      return { t: "backref", num, i: f.i, pos: start };
    }
    const lit = parseEscapeLiteral(this.src, this.p, false);
    if (!lit) this.fail(`bad escape \\${c}`, start);
    this.p = lit.end;
    return { t: "char", cp: lit.cp, i: f.i };
  }

  private checkGroupRef(num: number, at: number): void {
    if (num > this.groupCount) this.fail(`invalid group reference ${num}`, at + 1);
    if (!this.closed.has(num)) this.fail("cannot refer to an open group", at);
  }

  private parseClass(f: Flags): Node {
    const start = this.p - 1;
    let neg = false;
    if (this.peek() === "^") {
      neg = true;
      this.p++;
    }
    const items: ClassItem[] = [];
    let first = true;
    for (;;) {
      if (this.eof()) this.fail("unterminated character set", start);
      const c = this.peek();
      if (c === "]" && !first) {
        this.p++;
        break;
      }
      first = false;
      const lo = this.parseClassAtom();
      if (this.peek() === "-" && this.src[this.p + 1] !== "]" && this.p + 1 < this.src.length) {
        const dashAt = this.p;
        this.p++;
        const hi = this.parseClassAtom();
        if ("esc" in lo || "esc" in hi) this.fail("bad character range", dashAt - 1);
        if (hi.lo < lo.lo) this.fail("bad character range", dashAt - 1);
        items.push({ lo: lo.lo, hi: hi.lo });
      } else items.push(lo);
    }
    return { t: "class", neg, items, i: f.i, a: f.a };
  }

  private parseClassAtom(): ClassItem {
    const start = this.p;
    const c = this.src[this.p];
    if (c !== "\\") {
      const cp = this.src.codePointAt(this.p) as number;
      this.p += cp > 0xffff ? 2 : 1;
      return { lo: cp, hi: cp };
    }
    const e = this.src[this.p + 1];
    if (e === undefined) this.fail("bad escape (end of pattern)", start);
    if ("dDwWsS".includes(e)) {
      this.p += 2;
      return { esc: e as ClassEscape };
    }
    if (e === "b") {
      this.p += 2;
      return { lo: 8, hi: 8 };
    }
    if (e >= "0" && e <= "9") {
      const oct = /^[0-7]{1,3}/.exec(this.src.slice(this.p + 1));
      if (!oct || e > "7") this.fail(`bad escape \\${e}`, start);
      this.p += 1 + oct[0].length;
      const v = Number.parseInt(oct[0], 8);
      if (v > 0o377) this.fail(`octal escape value \\${oct[0]} outside of range 0-0o377`, start);
      return { lo: v, hi: v };
    }
    const lit = parseEscapeLiteral(this.src, this.p + 1, true);
    if (!lit) this.fail(`bad escape \\${e}`, start);
    this.p = lit.end;
    return { lo: lit.cp, hi: lit.cp };
  }

  private parseGroup(f: Flags, atStart: boolean): Node | undefined {
    const start = this.p - 1;
    if (this.peek() !== "?") return this.finishCapture(f, start, undefined);
    this.p++;
    const c = this.src[this.p++];
    switch (c) {
      case ":":
        return this.finishGroup("nc", f, start);
      case ">":
        return this.finishGroup("atomic", f, start);
      case "=":
        return this.finishGroup("la", f, start);
      case "!":
        return this.finishGroup("nla", f, start);
      case "#": {
        const end = this.src.indexOf(")", this.p);
        if (end < 0) this.fail("missing ), unterminated comment", start);
        this.p = end + 1;
        return undefined;
      }
      case "<": {
        const d = this.src[this.p++];
        if (d === "=") return this.finishGroup("lb", f, start);
        if (d === "!") return this.finishGroup("nlb", f, start);
        this.fail(`unknown extension ?<${d ?? ""}`, start + 1);
        break;
      }
      case "P":
        return this.parsePExtension(f, start);
      case "(":
        return this.parseConditional(f, start);
    }
    this.p--;
    return this.parseFlagsGroup(f, start, atStart);
  }

  private parsePExtension(f: Flags, start: number): Node | undefined {
    const c = this.src[this.p++];
    if (c === "<") {
      const end = this.src.indexOf(">", this.p);
      if (end < 0) this.fail("missing >, unterminated name", this.p);
      const name = this.src.slice(this.p, end);
      if (!isIdentifier(name)) this.fail(`bad character in group name '${name}'`, this.p);
      if (this.names.has(name))
        this.fail(`redefinition of group name '${name}' as group ${this.groupCount + 1}`, this.p);
      this.p = end + 1;
      return this.finishCapture(f, start, name);
    }
    if (c === "=") {
      const end = this.src.indexOf(")", this.p);
      if (end < 0) this.fail("missing ), unterminated name", this.p);
      const name = this.src.slice(this.p, end);
      if (!isIdentifier(name)) this.fail(`bad character in group name '${name}'`, this.p);
      const num = this.names.get(name);
      if (num === undefined) this.fail(`unknown group name '${name}'`, this.p);
      if (!this.closed.has(num)) this.fail("cannot refer to an open group", start);
      this.p = end + 1;
      return { t: "backref", num, i: f.i, pos: start };
    }
    this.fail(`unknown extension ?P${c ?? ""}`, start + 1);
  }

  private parseConditional(f: Flags, start: number): Node {
    const end = this.src.indexOf(")", this.p);
    if (end < 0) this.fail("missing ), unterminated name", this.p);
    const ref = this.src.slice(this.p, end);
    let num: number;
    if (/^\d+$/.test(ref)) {
      num = Number(ref);
      if (num === 0) this.fail("bad group number", this.p);
    } else {
      if (!isIdentifier(ref)) this.fail(`bad character in group name '${ref}'`, this.p);
      const n = this.names.get(ref);
      if (n === undefined) this.fail(`unknown group name '${ref}'`, this.p);
      num = n;
    }
    this.p = end + 1;
    const yes = this.parseSeq(f, false);
    let no: Node = seq([]);
    if (this.peek() === "|") {
      this.p++;
      no = this.parseSeq(f, false);
      if (this.peek() === "|") this.fail("conditional backref with more than two branches", this.p);
    }
    this.expectClose(start);
    if (num >= 100) this.fail("group number too large", start);
    return { t: "cond", num, yes, no, pos: start };
  }

  /** `(?aiLmsux)` global flags or `(?aiLmsux-imsx:...)` scoped flags. */
  private parseFlagsGroup(f: Flags, start: number, atStart: boolean): Node | undefined {
    const add = this.readFlagLetters();
    let remove = "";
    if (this.peek() === "-") {
      this.p++;
      remove = this.readFlagLetters();
      if (!remove) this.fail("missing flag", this.p);
      for (const r of remove)
        if (!"imsx".includes(r))
          this.fail("bad inline flags: cannot turn off flags 'a', 'u' and 'L'", this.p);
    }
    const c = this.src[this.p++];
    if (c === ")") {
      if (remove) this.fail("missing :", this.p - 1);
      if (!add) this.fail("missing -, : or )", this.p - 1);
      if (!atStart) this.fail("global flags not at the start of the expression", start);
      this.checkFlagLetters(add, start);
      applyFlags(this.flags, add, "");
      applyFlags(f, add, "");
      return undefined;
    }
    if (c !== ":") {
      if (c === undefined) this.fail("missing -, : or )", this.p - 1);
      this.fail(`unknown flag`, this.p - 1);
    }
    this.checkFlagLetters(add, start);
    const inner: Flags = { ...f };
    applyFlags(inner, add, remove);
    const body = this.parseAlt(inner, false);
    this.expectClose(start);
    return { t: "group", kind: "nc", body, pos: start };
  }

  private readFlagLetters(): string {
    let s = "";
    while (FLAG_LETTERS.includes(this.peek()) && this.peek() !== "") s += this.src[this.p++];
    return s;
  }

  private checkFlagLetters(add: string, at: number): void {
    if (add.includes("L")) this.fail("bad inline flags: cannot use 'L' flag with a str pattern", at);
    if (add.includes("a") && add.includes("u"))
      this.fail("bad inline flags: flags 'a', 'u' and 'L' are incompatible", at);
  }

  private finishCapture(f: Flags, start: number, name: string | undefined): Node {
    const num = ++this.groupCount;
    if (name !== undefined) this.names.set(name, num);
    const body = this.parseAlt(f, false);
    this.expectClose(start);
    this.closed.add(num);
    return { t: "group", kind: "cap", num, name, body, pos: start };
  }

  private finishGroup(kind: "nc" | "atomic" | "la" | "nla" | "lb" | "nlb", f: Flags, start: number): Node {
    const body = this.parseAlt(f, false);
    this.expectClose(start);
    return { t: "group", kind, body, pos: start };
  }

  private expectClose(start: number): void {
    if (this.peek() !== ")") this.fail("missing ), unterminated subpattern", start);
    this.p++;
  }
}

function applyFlags(f: Flags, add: string, remove: string): void {
  for (const c of add) if (c in f) (f as unknown as Record<string, boolean>)[c] = true;
  for (const c of remove) if (c in f) (f as unknown as Record<string, boolean>)[c] = false;
  if (add.includes("u")) f.a = false;
}

function isIdentifier(name: string): boolean {
  return /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(name);
}

function isZeroWidth(n: Node): boolean {
  return n.t === "bol" || n.t === "eol" || n.t === "bos" || n.t === "eos" || n.t === "wordb";
}

/**
 * Parses a Python pattern. `multiline` is re.MULTILINE given by the caller (fail2ban sets it when
 * maxlines > 1). Leading global flags `(?i)` are folded into the returned flags.
 */
export function parsePyRegex(src: string, opts: { multiline?: boolean } = {}): ParsedPattern {
  const flags: Flags = { i: false, m: !!opts.multiline, s: false, x: false, a: false };
  // verbose must be known before parsing anything: Python re-parses when (?x) is found at the start
  const lead = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (lead?.[1].includes("x")) flags.x = true;
  const parser = new Parser(src, flags);
  const root = parser.parseAll();
  return { root, flags, groupCount: parser.groupCount, names: parser.names };
}
