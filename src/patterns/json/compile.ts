/**
 * Compiles a JSON pattern into a matcher that reads only the selected values (see scan.ts), behind a
 * required-literal prefilter: text the pattern needs (a selected key, a compared string, in their JSON
 * quotes) is looked for with indexOf before any scanning, following the pattern's && and ||. A literal can hide behind a \u escape in JSON, so a message with
 * "\u" in it always takes the full path.
 */
import type { JsonExpr, Selector } from "../ast.js";
import { compileRegex } from "../regex/automaton.js";
import { compareNumbers, globTest, numberIn } from "../values.js";
import { ABSENT, INVALID, locate, primitiveEnd, rootStart, stringAt } from "./scan.js";

/** Per-message state: the root offset and each selector's located offset (UNKNOWN until asked). */
const UNKNOWN = -3;

interface Ctx {
  s: string;
  root: number;
  locs: Int32Array;
  invalid: boolean;
}

type Eval = (ctx: Ctx) => boolean;

class SelectorTable {
  readonly paths: (string | number)[][] = [];
  private readonly ids = new Map<string, number>();
  id(selector: Selector): number {
    const key = JSON.stringify(selector.path);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.paths.length;
      this.paths.push(selector.path);
      this.ids.set(key, id);
    }
    return id;
  }
}

function locator(table: SelectorTable, selector: Selector): (ctx: Ctx) => number {
  const id = table.id(selector);
  const path = table.paths[id];
  // A key whose text is nowhere in the message is absent wherever the path points (unless \u-escaped).
  const lastKey = path.findLast((p) => typeof p === "string");
  const keyText = typeof lastKey === "string" && isPlainLiteral(lastKey) ? `${lastKey}"` : undefined;
  return (ctx) => {
    let at = ctx.locs[id];
    if (at === UNKNOWN) {
      const surelyAbsent = keyText !== undefined && !ctx.s.includes(keyText) && !ctx.s.includes("\\u");
      at = surelyAbsent ? ABSENT : locate(ctx.s, ctx.root, path);
      if (at === INVALID) ctx.invalid = true;
      ctx.locs[id] = at;
    }
    return at;
  };
}

function compileCompare(
  source: string,
  expr: Extract<JsonExpr, { type: "compare" }>,
  at: (c: Ctx) => number,
): Eval {
  const { op, value } = expr;
  switch (value.type) {
    case "any":
      return (ctx) => at(ctx) >= 0;
    case "number": {
      const want = value.value;
      return (ctx) => {
        const i = at(ctx);
        if (i < 0) return false;
        const c = ctx.s.charCodeAt(i);
        if (c !== 45 && (c < 48 || c > 57)) return false; // only JSON numbers compare as numbers
        const n = numberIn(ctx.s, i, primitiveEnd(ctx.s, i));
        return !Number.isNaN(n) && compareNumbers(op, n, want);
      };
    }
    case "string":
    case "regex": {
      const test =
        value.type === "string"
          ? globTest(value)
          : (
              (m) => (s: string, a: number, b: number) =>
                m.test(s, a, b)
            )(compileRegex(source, value.regex));
      const equal = op === "=";
      return (ctx) => {
        const i = at(ctx);
        if (i < 0) return false;
        const str = stringAt(ctx.s, i); // arrays, objects, numbers, booleans never equal a string
        return str !== undefined && test(str.text, str.start, str.end) === equal;
      };
    }
  }
}

const LITERALS = { TRUE: "true", FALSE: "false", NULL: "null" } as const;

function compileExpr(source: string, expr: JsonExpr, table: SelectorTable): Eval {
  switch (expr.type) {
    case "and": {
      const items = expr.items.map((e) => compileExpr(source, e, table));
      return (ctx) => {
        for (const e of items) if (!e(ctx)) return false;
        return true;
      };
    }
    case "or": {
      const items = expr.items.map((e) => compileExpr(source, e, table));
      return (ctx) => {
        for (const e of items) if (e(ctx)) return true;
        return false;
      };
    }
    case "compare":
      return compileCompare(source, expr, locator(table, expr.selector));
    case "is": {
      const at = locator(table, expr.selector);
      const literal = LITERALS[expr.what];
      return (ctx) => {
        const i = at(ctx);
        return i >= 0 && ctx.s.startsWith(literal, i) && primitiveEnd(ctx.s, i) === i + literal.length;
      };
    }
    case "notExists": {
      const at = locator(table, expr.selector);
      return (ctx) => at(ctx) === ABSENT;
    }
  }
}

/** A literal safe to look for in raw JSON text: only a \u escape could spell it differently. */
function isPlainLiteral(text: string): boolean {
  return !/["\\/\u0000-\u001f]/.test(text) && !/[^\u0020-\u007e]/.test(text);
}

/** A necessary condition on the raw text, or undefined when the expression requires nothing findable. */
export type Prefilter = { all: Prefilter[] } | { any: Prefilter[] } | { text: string };

/** Raw text a comparison needs: its key, and for `= "x"` the string (each with the closing quote). */
function leafTexts(expr: Extract<JsonExpr, { type: "compare" | "is" }>): Prefilter | undefined {
  const texts: string[] = [];
  const lastKey = expr.selector.path.findLast((p) => typeof p === "string");
  // The closing quote only: a leading '"' would make indexOf stop at every quote of the message.
  if (typeof lastKey === "string" && isPlainLiteral(lastKey)) texts.push(`${lastKey}"`);
  if (
    expr.type === "compare" &&
    expr.op === "=" &&
    expr.value.type === "string" &&
    isPlainLiteral(expr.value.text)
  ) {
    const v = expr.value;
    texts.push(`${v.text}${v.trailing ? "" : '"'}`);
  }
  const useful = texts.filter((t) => t.length >= 3);
  if (useful.length === 0) return undefined;
  return useful.length === 1 ? { text: useful[0] } : { all: useful.map((text) => ({ text })) };
}

/** What every matching message must contain: `&&` needs all its parts' texts, `||` one of its branches'. */
export function prefilterOf(expr: JsonExpr): Prefilter | undefined {
  switch (expr.type) {
    case "and": {
      const parts = expr.items
        .map(prefilterOf)
        .flatMap((p) => (p === undefined ? [] : "all" in p ? p.all : [p]));
      return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { all: parts };
    }
    case "or": {
      const parts = expr.items.map(prefilterOf);
      if (parts.some((p) => p === undefined)) return undefined; // a branch needs nothing findable
      return { any: parts as Prefilter[] };
    }
    case "notExists":
      return undefined;
    default:
      return leafTexts(expr);
  }
}

function compilePrefilter(p: Prefilter): (m: string) => boolean {
  if ("text" in p) {
    const text = p.text;
    return (m) => m.includes(text);
  }
  // Longer texts first: they are rarer, so a missing one is found sooner.
  const size = (q: Prefilter) => ("text" in q ? q.text.length : 0);
  const parts = [...("all" in p ? p.all : p.any)].sort((a, b) => size(b) - size(a));
  const tests = parts.map(compilePrefilter);
  if ("all" in p) {
    return (m) => {
      for (const t of tests) if (!t(m)) return false;
      return true;
    };
  }
  return (m) => {
    for (const t of tests) if (t(m)) return true;
    return false;
  };
}

export function compileJson(
  source: string,
  expr: JsonExpr,
): (message: string) => Record<string, string> | undefined {
  const table = new SelectorTable();
  const evaluate = compileExpr(source, expr, table);
  const prefilter = prefilterOf(expr);
  const locs = new Int32Array(table.paths.length);
  const ctx: Ctx = { s: "", root: 0, locs, invalid: false };
  const full = (message: string): Record<string, string> | undefined => {
    const root = rootStart(message);
    if (root === INVALID) return undefined;
    ctx.s = message;
    ctx.root = root;
    ctx.invalid = false;
    locs.fill(UNKNOWN);
    const ok = evaluate(ctx);
    ctx.s = "";
    return ok && !ctx.invalid ? {} : undefined;
  };
  if (!prefilter) return full;
  const mayMatch = compilePrefilter(prefilter);
  return (message) => (mayMatch(message) || message.includes("\\u") ? full(message) : undefined);
}
