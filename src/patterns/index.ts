/**
 * The CloudWatch Logs filter-pattern language (see shared/spec/filter-patterns.md): parse once to an AST,
 * compile to a closure. `match` returns undefined for no match, else the extracted values the way
 * TestMetricFilter reports them ({"$ip": "..."} for space-delimited patterns, {} otherwise).
 */
import type { FieldCondition, JsonExpr, PatternAst, PatternKind } from "./ast.js";
import { Cursor } from "./cursor.js";
import { PatternSyntaxError } from "./errors.js";
import { compileJson } from "./json/compile.js";
import { parseJsonPattern, readSelector } from "./json/parse.js";
import { locate, materialize, rootStart } from "./json/scan.js";
import { compileRegex } from "./regex/automaton.js";
import { parseRegex } from "./regex/parse.js";
import { compileSpace } from "./space/compile.js";
import { parseSpacePattern } from "./space/parse.js";
import { compileTerms, parseTermPattern } from "./term.js";

export type { PatternAst, PatternKind } from "./ast.js";
export { PatternSyntaxError } from "./errors.js";

export interface CompiledPattern {
  kind: PatternKind;
  source: string;
  /**
   * Whether `match` takes time linear in the line whatever the line: plain terms only (V8's substring
   * search is linear in the worst case), no regex, no fields. Such a pattern needs no line budget.
   */
  linear: boolean;
  match(message: string): Record<string, string> | undefined;
}

/** AWS's limit on a filter pattern's length (PutMetricFilter filterPattern). */
export const MAX_PATTERN_LENGTH = 1024;
/** AWS allows 2 regexes per JSON or space-delimited pattern; we apply it to term patterns too (stricter). */
export const MAX_REGEXES = 2;

function isWholeRegex(cur: Cursor): boolean {
  if (cur.peek() !== "%") return false;
  const trimmedEnd = cur.source.trimEnd().length;
  const start = cur.pos;
  for (let i = start + 1; i < trimmedEnd; i++) {
    if (cur.source[i] === "\\") i++;
    else if (cur.source[i] === "%") return i === trimmedEnd - 1;
  }
  return false;
}

/** Parses a pattern; throws PatternSyntaxError with the position of the first problem. */
export function parsePattern(source: string): PatternAst {
  if (source.length > MAX_PATTERN_LENGTH) {
    throw new PatternSyntaxError(
      source,
      MAX_PATTERN_LENGTH,
      `a filter pattern has at most ${MAX_PATTERN_LENGTH} characters`,
    );
  }
  const cur = new Cursor(source);
  cur.skipBlanks();
  if (cur.atEnd()) return { kind: "all", start: 0, end: source.length };
  let ast: PatternAst;
  const first = cur.peek();
  if (first === "{") ast = parseJsonPattern(cur);
  else if (first === "[") ast = parseSpacePattern(cur);
  else if (isWholeRegex(cur)) {
    const start = cur.pos;
    const close = source.trimEnd().length - 1;
    ast = { kind: "regex", regex: parseRegex(source, start + 1, close), start, end: close + 1 };
  } else ast = parseTermPattern(cur);
  checkRegexCount(source, ast);
  return ast;
}

/** Offsets of the regexes in a pattern, in order. */
function regexStarts(ast: PatternAst): number[] {
  const fromJson = (e: JsonExpr): number[] =>
    e.type === "and" || e.type === "or"
      ? e.items.flatMap(fromJson)
      : e.type === "compare" && e.value.type === "regex"
        ? [e.value.start]
        : [];
  const fromField = (c: FieldCondition): number[] =>
    c.type === "compare" ? (c.value.type === "regex" ? [c.value.start] : []) : c.items.flatMap(fromField);
  switch (ast.kind) {
    case "json":
      return fromJson(ast.expr);
    case "space":
      return ast.slots.flatMap((s) => (s.type === "field" && s.condition ? fromField(s.condition) : []));
    case "term":
      return ast.terms.filter((t) => t.regex).map((t) => t.start);
    default:
      return [];
  }
}

function checkRegexCount(source: string, ast: PatternAst): void {
  const starts = regexStarts(ast);
  if (starts.length > MAX_REGEXES) {
    throw new PatternSyntaxError(
      source,
      starts[MAX_REGEXES],
      `a filter pattern can contain at most ${MAX_REGEXES} regexes`,
    );
  }
}

/** Compiles a filter pattern once; the result's `match` is safe to call on every event. */
export function compilePattern(source: string): CompiledPattern {
  const ast = parsePattern(source);
  let match: CompiledPattern["match"];
  switch (ast.kind) {
    case "all":
      match = () => ({});
      break;
    case "term":
      match = compileTerms(source, ast.terms);
      break;
    case "regex": {
      const matcher = compileRegex(source, ast.regex);
      match = (m) => (matcher.test(m) ? {} : undefined);
      break;
    }
    case "space":
      match = compileSpace(source, ast.slots);
      break;
    case "json":
      match = compileJson(source, ast.expr);
      break;
  }
  const linear = ast.kind === "all" || (ast.kind === "term" && ast.terms.every((t) => !t.regex));
  return { kind: ast.kind, source, linear, match };
}

const selectorCache = new Map<string, (string | number)[]>();

/**
 * The value at `selector` ("$.size", "$.a[0].b", "$.['key.with.dots']") in a JSON message, as a JavaScript
 * value; undefined when absent or when the message is not JSON. Throws PatternSyntaxError for a bad selector.
 */
export function selectJsonValue(message: string, selector: string): unknown {
  let path = selectorCache.get(selector);
  if (!path) {
    const cur = new Cursor(selector);
    cur.skipBlanks();
    path = readSelector(cur).path;
    cur.skipBlanks();
    if (!cur.atEnd()) cur.fail("unexpected text after the selector");
    if (selectorCache.size > 1000) selectorCache.clear();
    selectorCache.set(selector, path);
  }
  const root = rootStart(message);
  if (root < 0) return undefined;
  const at = locate(message, root, path);
  return at < 0 ? undefined : materialize(message, at);
}
