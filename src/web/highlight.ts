/**
 * What to highlight in a matching log line: the texts a pattern looks for. Term patterns: their terms;
 * JSON patterns: the string and number values they compare with; space-delimited patterns: the fields
 * the match extracted. Pure functions over the pattern engine the daemon uses (src/patterns), so the
 * browser checks a pattern's syntax with the same parser and shows the error at its position.
 */
import type { JsonExpr, PatternAst } from "../patterns/ast";
import { type CompiledPattern, compilePattern, PatternSyntaxError, parsePattern } from "../patterns/index";

export interface PatternCheck {
  ok: boolean;
  compiled?: CompiledPattern;
  ast?: PatternAst;
  error?: { offset: number; line: number; col: number; reason: string; message: string };
}

export function checkPattern(source: string): PatternCheck {
  try {
    const ast = parsePattern(source);
    return { ok: true, ast, compiled: compilePattern(source) };
  } catch (e) {
    if (e instanceof PatternSyntaxError)
      return {
        ok: false,
        error: { offset: e.offset, line: e.line, col: e.col, reason: e.reason, message: e.message },
      };
    return { ok: false, error: { offset: 0, line: 1, col: 1, reason: String(e), message: String(e) } };
  }
}

function jsonValues(e: JsonExpr, out: string[]): void {
  if (e.type === "and" || e.type === "or") for (const i of e.items) jsonValues(i, out);
  else if (e.type === "compare" && (e.value.type === "string" || e.value.type === "number") && e.value.text)
    out.push(e.value.text);
}

/** The literal texts to mark in a line that matched `check`'s pattern. */
export function needles(check: PatternCheck, message: string): string[] {
  const ast = check.ast;
  if (!ast) return [];
  const out: string[] = [];
  if (ast.kind === "term") {
    for (const t of ast.terms) if (t.mode !== "not" && t.text) out.push(t.text);
  } else if (ast.kind === "json") {
    jsonValues(ast.expr, out);
  } else if (ast.kind === "space") {
    const values = check.compiled?.match(message);
    if (values) for (const v of Object.values(values)) if (v) out.push(v);
  }
  return [...new Set(out.filter((s) => s.length > 0))];
}

export interface Piece {
  text: string;
  mark: boolean;
}

/** Splits `message` into plain and marked pieces (case-sensitive, as the pattern language is). */
export function highlight(message: string, marks: string[]): Piece[] {
  if (marks.length === 0) return [{ text: message, mark: false }];
  const ranges: Array<[number, number]> = [];
  for (const m of marks) {
    let i = message.indexOf(m);
    while (i >= 0 && ranges.length < 200) {
      ranges.push([i, i + m.length]);
      i = message.indexOf(m, i + m.length);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const out: Piece[] = [];
  let at = 0;
  for (const [s, e] of ranges) {
    if (e <= at) continue;
    const from = Math.max(s, at);
    if (from > at) out.push({ text: message.slice(at, from), mark: false });
    out.push({ text: message.slice(from, e), mark: true });
    at = e;
  }
  if (at < message.length) out.push({ text: message.slice(at), mark: false });
  return out;
}
