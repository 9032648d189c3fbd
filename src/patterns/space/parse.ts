/**
 * Space-delimited patterns: `[ip, user, ..., status_code=404, bytes>1000]`.
 * Stricter than AWS where it is silent: names are identifiers ([A-Za-z_][A-Za-z0-9_]*) and unique,
 * at most one `...`, every condition in a slot names that slot's field, and a bare value may not contain
 * `" % = ! < > ( ) [ ] { }` (quote it instead).
 */
import type { FieldCondition, PatternAst, SpaceSlot } from "../ast.js";
import { type Cursor, isBlank } from "../cursor.js";
import {
  NUMBER_SYNTAX,
  readOperator,
  readValue,
  requireNumber,
  stringValue,
  type ValueNode,
} from "../values.js";

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const BARE_FORBIDDEN = '"%=!<>()[]{}';

function readName(cur: Cursor): { name: string; start: number } {
  const start = cur.pos;
  if (!NAME_START.test(cur.peek())) {
    cur.fail(`expected a field name (letters, digits and '_') or '...', found ${cur.describeHere()}`);
  }
  while (NAME_CHAR.test(cur.peek())) cur.pos++;
  return { name: cur.source.slice(start, cur.pos), start };
}

function readBareValue(cur: Cursor): ValueNode {
  const start = cur.pos;
  while (!cur.atEnd()) {
    const ch = cur.peek();
    if (isBlank(ch.charCodeAt(0)) || ch === "," || ch === "]" || ch === "&" || ch === "|") break;
    if (BARE_FORBIDDEN.includes(ch))
      cur.fail(`unexpected '${ch}' in a value: put the value in double quotes`);
    cur.pos++;
  }
  if (cur.pos === start) cur.fail("expected a value");
  const text = cur.source.slice(start, cur.pos);
  if (NUMBER_SYNTAX.test(text)) return { type: "number", value: Number(text), text, start, end: cur.pos };
  return stringValue(cur, text, false, start, cur.pos);
}

/** `name op value`, the name already read. */
function readComparison(cur: Cursor, name: string, start: number): FieldCondition {
  cur.skipBlanks();
  const opAt = cur.pos;
  const op = readOperator(cur);
  if (!op) cur.fail("expected an operator (= != < <= > >=)", opAt);
  const value = readValue(cur, readBareValue);
  requireNumber(cur, op, value);
  return { type: "compare", name, op, value, start, end: cur.pos };
}

function group(type: "and" | "or", items: FieldCondition[]): FieldCondition {
  return items.length === 1
    ? items[0]
    : { type, items, start: items[0].start, end: items[items.length - 1].end };
}

/** The conditions of one slot: `&&` binds tighter than `||`. */
function readConditions(cur: Cursor, name: string, start: number): FieldCondition {
  const ors: FieldCondition[] = [];
  let ands: FieldCondition[] = [readComparison(cur, name, start)];
  for (;;) {
    cur.skipBlanks();
    const isAnd = cur.startsWith("&&");
    const isOr = cur.startsWith("||");
    if (!isAnd && !isOr) break;
    cur.pos += 2;
    cur.skipBlanks();
    const next = readName(cur);
    if (next.name !== name) {
      cur.fail(`every condition in this field must name '${name}' (found '${next.name}')`, next.start);
    }
    if (isOr) {
      ors.push(group("and", ands));
      ands = [];
    }
    ands.push(readComparison(cur, next.name, next.start));
  }
  ors.push(group("and", ands));
  return group("or", ors);
}

function readSlot(cur: Cursor): SpaceSlot {
  cur.skipBlanks();
  const start = cur.pos;
  if (cur.eat("...")) return { type: "ellipsis", start, end: cur.pos };
  const { name } = readName(cur);
  cur.skipBlanks();
  const ch = cur.peek();
  if (ch === "=" || ch === "!" || ch === "<" || ch === ">") {
    const condition = readConditions(cur, name, start);
    return { type: "field", name, condition, start, end: cur.pos };
  }
  return { type: "field", name, start, end: cur.pos };
}

export function parseSpacePattern(cur: Cursor): PatternAst {
  const start = cur.pos;
  cur.pos++; // '['
  const slots: SpaceSlot[] = [];
  const names = new Map<string, number>();
  let ellipsis = -1;
  for (;;) {
    const slot = readSlot(cur);
    if (slot.type === "ellipsis") {
      if (ellipsis >= 0) cur.fail("only one '...' is allowed in a pattern", slot.start);
      ellipsis = slot.start;
    } else {
      if (names.has(slot.name))
        cur.fail(`field name '${slot.name}' is used twice: give each field its own name`, slot.start);
      names.set(slot.name, slot.start);
    }
    slots.push(slot);
    cur.skipBlanks();
    if (cur.eat(",")) continue;
    if (cur.eat("]")) break;
    cur.fail(
      slot.type === "field" && slot.condition ? "expected '&&', '||', ',' or ']'" : "expected ',' or ']'",
    );
  }
  cur.skipBlanks();
  if (!cur.atEnd()) cur.fail("unexpected text after ']': a space-delimited pattern ends with ']'");
  return { kind: "space", slots, start, end: cur.pos };
}
