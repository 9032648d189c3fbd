/**
 * The right-hand sides shared by space-delimited and JSON patterns (`= "x*"`, `> 1e3`, `= %re%`) and the
 * tests they compile to. Tests read text in place (s, start, end) so matching a field allocates nothing.
 */
import { type Cursor, findRegexEnd, readQuoted } from "./cursor.js";
import type { RegexNode } from "./regex/ast.js";
import { compileRegex, type RegexMatcher } from "./regex/automaton.js";
import { parseRegex } from "./regex/parse.js";

export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

export type ValueNode =
  | { type: "number"; value: number; text: string; start: number; end: number }
  /** A string; `*` at its start and/or end is a wildcard (`leading`/`trailing`), `text` is what is left. */
  | {
      type: "string";
      text: string;
      leading: boolean;
      trailing: boolean;
      quoted: boolean;
      start: number;
      end: number;
    }
  | { type: "regex"; regex: RegexNode; start: number; end: number }
  /** JSON `= *`: any value that exists. */
  | { type: "any"; start: number; end: number };

/** The number syntax of patterns and of the fields they compare: JSON's, e.g. `-12`, `1.5`, `1e3`. */
export const NUMBER_SYNTAX = /^-?(?:0|[1-9]\d*|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Reads a comparison operator at the cursor, or undefined. */
export function readOperator(cur: Cursor): CompareOp | undefined {
  for (const op of ["!=", "<=", ">=", "=", "<", ">"] as const) {
    if (cur.startsWith(op)) {
      if (op === "=" && cur.peek(1) === "=") cur.fail("use '=' to compare ('==' is not an operator here)");
      cur.pos += op.length;
      return op;
    }
  }
  return undefined;
}

/** Reads a `%regex%` value at the cursor (on the '%'). */
export function readRegexValue(cur: Cursor): ValueNode {
  const start = cur.pos;
  const close = findRegexEnd(cur);
  const regex = parseRegex(cur.source, start + 1, close);
  cur.pos = close + 1;
  return { type: "regex", regex, start, end: cur.pos };
}

/** Builds a string value, splitting off `*` wildcards; a `*` anywhere else is an error (stricter than AWS). */
export function stringValue(
  cur: Cursor,
  raw: string,
  quoted: boolean,
  start: number,
  end: number,
): ValueNode {
  const leading = raw.startsWith("*");
  const trailing = raw.length > 1 && raw.endsWith("*");
  const text = raw.slice(leading ? 1 : 0, trailing ? -1 : undefined);
  const inner = text.indexOf("*");
  if (inner >= 0) {
    cur.fail(
      "'*' is a wildcard only at the start or end of a value",
      start + (quoted ? 1 : 0) + (leading ? 1 : 0) + inner,
    );
  }
  return { type: "string", text, leading, trailing, quoted, start, end };
}

/** Reads a quoted string value at the cursor (on the '"'). */
export function readQuotedValue(cur: Cursor): ValueNode {
  const start = cur.pos;
  const raw = readQuoted(cur);
  return stringValue(cur, raw, true, start, cur.pos);
}

/**
 * Reads the value after an operator: a quoted string, a `%regex%`, or else a bare value. What ends a bare
 * value and what it may hold differ between JSON and space-delimited patterns, so the caller reads that.
 */
export function readValue(cur: Cursor, readBareValue: (cur: Cursor) => ValueNode): ValueNode {
  cur.skipBlanks();
  if (cur.peek() === '"') return readQuotedValue(cur);
  if (cur.peek() === "%") return readRegexValue(cur);
  return readBareValue(cur);
}

/** Checks that a number-only operator got a number. */
export function requireNumber(cur: Cursor, op: CompareOp, value: ValueNode): void {
  if (op !== "=" && op !== "!=" && value.type !== "number") {
    cur.fail(`'${op}' compares numbers: expected a number like 100, 1.5 or 1e3`, value.start);
  }
}

/** A test on text s[start, end). */
export type RangeTest = (s: string, start: number, end: number) => boolean;

/** Tests a string value (with its wildcards) against s[start, end). */
export function globTest(value: { text: string; leading: boolean; trailing: boolean }): RangeTest {
  const { text, leading, trailing } = value;
  const n = text.length;
  if (leading && trailing) {
    if (n === 0) return () => true;
    return (s, start, end) => {
      const at = s.indexOf(text, start);
      return at >= 0 && at + n <= end;
    };
  }
  if (leading) return (s, start, end) => end - start >= n && s.startsWith(text, end - n);
  if (trailing) return (s, start, end) => end - start >= n && s.startsWith(text, start);
  return (s, start, end) => end - start === n && s.startsWith(text, start);
}

/** Reads s[start, end) as a number in NUMBER_SYNTAX, or NaN. */
export function numberIn(s: string, start: number, end: number): number {
  const len = end - start;
  if (len > 0 && len <= 15) {
    // Fast path: a plain integer, no allocation.
    let i = start;
    const negative = s.charCodeAt(i) === 45;
    if (negative) i++;
    let n = 0;
    let plain = i < end && !(s.charCodeAt(i) === 48 && end - i > 1);
    for (; plain && i < end; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) plain = false;
      else n = n * 10 + d;
    }
    if (plain) return negative ? -n : n;
  }
  const text = s.slice(start, end);
  return NUMBER_SYNTAX.test(text) ? Number(text) : Number.NaN;
}

export function compareNumbers(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case "=":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

/** Compiles `op value` into a test on text; numbers only match text that is itself a number. */
export function compileTextTest(op: CompareOp, value: ValueNode, source: string): RangeTest {
  switch (value.type) {
    case "number": {
      const want = value.value;
      return (s, start, end) => {
        const n = numberIn(s, start, end);
        return !Number.isNaN(n) && compareNumbers(op, n, want);
      };
    }
    case "string": {
      const glob = globTest(value);
      return op === "=" ? glob : (s, start, end) => !glob(s, start, end);
    }
    case "regex": {
      const matcher: RegexMatcher = compileRegex(source, value.regex);
      return op === "="
        ? (s, start, end) => matcher.test(s, start, end)
        : (s, start, end) => !matcher.test(s, start, end);
    }
    case "any":
      return () => true;
  }
}
