/**
 * JSON patterns: `{ $.a.b = "x" && ($.n > 1e3 || $.ok IS TRUE) }`. `&&` binds tighter than `||`;
 * parentheses group. Stricter than AWS where it is silent: keywords are upper case, `= true`/`= null`
 * unquoted are errors (use IS TRUE / IS NULL), `!= *` is an error (use NOT EXISTS).
 */
import type { JsonExpr, PatternAst, Selector } from "../ast.js";
import type { Cursor } from "../cursor.js";
import {
  NUMBER_SYNTAX,
  readOperator,
  readValue,
  requireNumber,
  stringValue,
  type ValueNode,
} from "../values.js";

/** Characters that end an unquoted key in a selector. */
const KEY_END = " \t\r\n.[]()=!<>&|{}\"'%*,";
/** Characters that end an unquoted value. */
const BARE_END = " \t\r\n()&|}";
const BARE_FORBIDDEN = "\"'%=!<>[]{";

function readKey(cur: Cursor): string {
  const start = cur.pos;
  while (!cur.atEnd() && !KEY_END.includes(cur.peek())) cur.pos++;
  if (cur.pos === start) cur.fail(`expected a property name after '.', found ${cur.describeHere()}`);
  return cur.source.slice(start, cur.pos);
}

/** `[0]`, `['key.with.dots']` or `["key"]`; the cursor is on the '['. */
function readBracket(cur: Cursor): string | number {
  cur.pos++;
  const quote = cur.peek();
  if (quote === "'" || quote === '"') {
    const start = cur.pos + 1;
    const close = cur.source.indexOf(quote, start);
    if (close < 0 || close >= cur.end)
      cur.fail(`unterminated property name: add the closing ${quote}`, cur.pos);
    cur.pos = close + 1;
    if (!cur.eat("]")) cur.fail("expected ']'");
    return cur.source.slice(start, close);
  }
  const start = cur.pos;
  while (/[0-9]/.test(cur.peek())) cur.pos++;
  if (cur.pos === start) cur.fail("expected an array index (0, 1, ...) or a quoted property name");
  const index = Number(cur.source.slice(start, cur.pos));
  if (!cur.eat("]")) cur.fail("expected ']'");
  return index;
}

export function readSelector(cur: Cursor): Selector {
  const start = cur.pos;
  if (!cur.eat("$")) cur.fail(`expected a selector like $.field, found ${cur.describeHere()}`);
  const path: (string | number)[] = [];
  for (;;) {
    if (cur.startsWith(".[")) {
      cur.pos++;
      path.push(readBracket(cur));
    } else if (cur.eat(".")) {
      path.push(readKey(cur));
    } else if (cur.peek() === "[") {
      path.push(readBracket(cur));
    } else {
      break;
    }
  }
  if (path.length === 0) cur.fail("expected '.' and a property name after '$'");
  return { path, text: cur.source.slice(start, cur.pos), start, end: cur.pos };
}

function readBareValue(cur: Cursor): ValueNode {
  const start = cur.pos;
  while (!cur.atEnd() && !BARE_END.includes(cur.peek())) {
    if (BARE_FORBIDDEN.includes(cur.peek()))
      cur.fail(`unexpected '${cur.peek()}' in a value: put the value in double quotes`);
    cur.pos++;
  }
  if (cur.pos === start) cur.fail("expected a value");
  const text = cur.source.slice(start, cur.pos);
  if (NUMBER_SYNTAX.test(text)) return { type: "number", value: Number(text), text, start, end: cur.pos };
  if (text === "*") return { type: "any", start, end: cur.pos };
  if (/^(true|false|null|TRUE|FALSE|NULL)$/.test(text)) {
    cur.fail(
      `to test for ${text.toLowerCase()} write 'IS ${text.toUpperCase()}'; to compare a string quote it`,
      start,
    );
  }
  return stringValue(cur, text, false, start, cur.pos);
}

function readWord(cur: Cursor): string {
  const start = cur.pos;
  while (/[A-Za-z]/.test(cur.peek())) cur.pos++;
  return cur.source.slice(start, cur.pos);
}

function readComparison(cur: Cursor): JsonExpr {
  const start = cur.pos;
  const selector = readSelector(cur);
  cur.skipBlanks();
  const wordAt = cur.pos;
  const word = readWord(cur);
  if (word === "IS") {
    cur.skipBlanks();
    const whatAt = cur.pos;
    const what = readWord(cur);
    if (what !== "TRUE" && what !== "FALSE" && what !== "NULL")
      cur.fail("expected TRUE, FALSE or NULL after IS", whatAt);
    return { type: "is", selector, what, start, end: cur.pos };
  }
  if (word === "NOT") {
    cur.skipBlanks();
    const existsAt = cur.pos;
    if (readWord(cur) !== "EXISTS") cur.fail("expected EXISTS after NOT", existsAt);
    return { type: "notExists", selector, start, end: cur.pos };
  }
  cur.pos = wordAt;
  const op = readOperator(cur);
  if (!op) cur.fail("expected an operator (= != < <= > >=), IS or NOT EXISTS");
  const value = readValue(cur, readBareValue);
  requireNumber(cur, op, value);
  if (value.type === "any" && op !== "=")
    cur.fail("'*' (exists) works only with '='; use NOT EXISTS for absence", value.start);
  return { type: "compare", selector, op, value, start, end: cur.pos };
}

function group(type: "and" | "or", items: JsonExpr[]): JsonExpr {
  return items.length === 1
    ? items[0]
    : { type, items, start: items[0].start, end: items[items.length - 1].end };
}

function readUnary(cur: Cursor): JsonExpr {
  cur.skipBlanks();
  if (cur.peek() === "(") {
    cur.pos++;
    const inner = readOr(cur);
    cur.skipBlanks();
    if (!cur.eat(")")) cur.fail("expected '&&', '||' or ')'");
    return inner;
  }
  return readComparison(cur);
}

function readAnd(cur: Cursor): JsonExpr {
  const items = [readUnary(cur)];
  for (;;) {
    cur.skipBlanks();
    if (!cur.eat("&&")) break;
    items.push(readUnary(cur));
  }
  return group("and", items);
}

function readOr(cur: Cursor): JsonExpr {
  const items = [readAnd(cur)];
  for (;;) {
    cur.skipBlanks();
    if (!cur.eat("||")) break;
    items.push(readAnd(cur));
  }
  return group("or", items);
}

export function parseJsonPattern(cur: Cursor): PatternAst {
  const start = cur.pos;
  cur.pos++; // '{'
  const expr = readOr(cur);
  cur.skipBlanks();
  if (!cur.eat("}")) {
    const ch = cur.peek();
    cur.fail(ch === "&" || ch === "|" ? "expected '&&' or '||'" : "expected '&&', '||' or '}'");
  }
  cur.skipBlanks();
  if (!cur.atEnd()) cur.fail("unexpected text after '}': a JSON pattern ends with '}'");
  return { kind: "json", expr, start, end: cur.pos };
}
