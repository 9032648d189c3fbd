/**
 * Term patterns: `ERROR`, `ERROR ARGUMENTS` (all), `?ERROR ?WARN` (any), `ERROR -ARGUMENTS` (exclude),
 * `"[preauth]"` (quoted phrase), `%regex%` terms. Case-sensitive substring matching.
 * As AWS documents, a term with characters other than letters, digits and '_' must be quoted. Where AWS
 * is silent we are stricter: '?' terms cannot be mixed with plain or '-' terms.
 */
import type { PatternAst, TermNode } from "./ast.js";
import { type Cursor, findRegexEnd, isBlank, isWordChar, readQuoted } from "./cursor.js";
import { compileRegex } from "./regex/automaton.js";
import { parseRegex } from "./regex/parse.js";

function readTerm(cur: Cursor): TermNode {
  const start = cur.pos;
  const mode = cur.eat("?") ? "any" : cur.eat("-") ? "not" : "all";
  const bodyStart = cur.pos;
  const ch = cur.peek();
  let node: TermNode;
  if (ch === '"') {
    node = { type: "term", mode, text: readQuoted(cur), start, end: 0 };
  } else if (ch === "%") {
    const close = findRegexEnd(cur);
    node = { type: "term", mode, regex: parseRegex(cur.source, bodyStart + 1, close), start, end: 0 };
    cur.pos = close + 1;
  } else {
    while (!cur.atEnd() && isWordChar(cur.source.charCodeAt(cur.pos))) cur.pos++;
    if (cur.pos === bodyStart) {
      if (cur.atEnd() || isBlank(cur.source.charCodeAt(cur.pos)))
        cur.fail("expected a term after the prefix");
      cur.fail(
        `expected a term: put terms with characters other than letters, digits and '_' in double quotes`,
      );
    }
    node = { type: "term", mode, text: cur.source.slice(bodyStart, cur.pos), start, end: 0 };
  }
  node.end = cur.pos;
  if (!cur.atEnd() && !isBlank(cur.source.charCodeAt(cur.pos))) {
    const next = cur.peek();
    cur.fail(
      isWordChar(next.charCodeAt(0)) || next === '"' || next === "%" || ch === '"' || ch === "%"
        ? "expected a space between terms"
        : "expected a term: put terms with characters other than letters, digits and '_' in double quotes",
    );
  }
  return node;
}

export function parseTermPattern(cur: Cursor): PatternAst {
  const start = cur.pos;
  const terms: TermNode[] = [];
  cur.skipBlanks();
  while (!cur.atEnd()) {
    terms.push(readTerm(cur));
    cur.skipBlanks();
  }
  const anyTerm = terms.find((t) => t.mode === "any");
  if (anyTerm) {
    const other = terms.find((t) => t.mode !== "any");
    if (other) {
      cur.fail(
        "'?' (any of) terms cannot be mixed with plain or '-' terms: prefix every term with '?'",
        other.start,
      );
    }
  }
  const allEmpty = terms.every((t) => t.mode !== "not" && t.text === "");
  if (allEmpty) return { kind: "all", start, end: cur.pos };
  return { kind: "term", terms, start, end: cur.pos };
}

type TextTest = (message: string) => boolean;

function compileTerm(source: string, term: TermNode): TextTest {
  if (term.regex) {
    const matcher = compileRegex(source, term.regex);
    return (m) => matcher.test(m);
  }
  const text = term.text!;
  return (m) => m.includes(text);
}

/** Compiles terms into one matcher: all plain terms occur, none of the '-' terms does; or any '?' term occurs. */
export function compileTerms(
  source: string,
  terms: TermNode[],
): (message: string) => Record<string, string> | undefined {
  // Plain substrings are checked before regexes: they are cheaper and usually reject first.
  const byCost = [...terms].sort((a, b) => Number(!!a.regex) - Number(!!b.regex));
  const required = byCost.filter((t) => t.mode === "all").map((t) => compileTerm(source, t));
  const excluded = byCost.filter((t) => t.mode === "not").map((t) => compileTerm(source, t));
  const any = terms.filter((t) => t.mode === "any").map((t) => compileTerm(source, t));
  if (any.length > 0) {
    return (m) => {
      for (const test of any) if (test(m)) return {};
      return undefined;
    };
  }
  const onlyText = terms.every((t) => !t.regex);
  if (onlyText && required.length === 1 && excluded.length === 0) {
    const text = terms[0].text!;
    return (m) => (m.includes(text) ? {} : undefined);
  }
  return (m) => {
    for (const test of required) if (!test(m)) return undefined;
    for (const test of excluded) if (test(m)) return undefined;
    return {};
  };
}
