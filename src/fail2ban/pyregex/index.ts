/**
 * Python regex → JavaScript RegExp. `translatePyRegex` either returns a RegExp that matches what Python's
 * `re` matches (with the Python group names mapped back), or throws PyRegexError with the offset and reason.
 */
import type { Node } from "./ast.js";
import { PyRegexError } from "./ast.js";
import { rewriteConditionals } from "./cond.js";
import { emitJs } from "./emit.js";
import { anchoredFirstChars, requiredLiterals } from "./literals.js";
import { numberGroups } from "./numbered.js";
import { parsePyRegex } from "./parse.js";
import { alwaysGroupNames, type Triggers, triggers } from "./triggers.js";

export { PyRegexError } from "./ast.js";
export type { Triggers } from "./triggers.js";

export interface TranslatedRegex {
  /** the Python pattern as given */
  python: string;
  /**
   * The translation, built on first use: a RegExp with Unicode property classes (\p{L}, \p{Nd}: Python's
   * \w and \d) costs milliseconds to construct, and most of a filter's regexes never run on a given log
   * (their literals are not in it). Its syntax is checked when translated (see checkSyntax).
   */
  readonly regex: RegExp;
  /** source and flags of `regex` (reading them does not build it) */
  source: string;
  flags: string;
  /**
   * Python group name → capture indexes in `regex` (a group copied by a conditional rewrite has several);
   * the RegExp has numbered groups only (see numbered.ts)
   */
  named: Map<string, number[]>;
  /** Python group names in order of their group number (as Python's groupindex) */
  groupNames: string[];
  /** literals every match contains (for prefilters), longest first */
  literals: string[];
  /** for a start-anchored pattern: the code points a subject must start with */
  firstChars?: Set<number>;
  /** texts of which every match contains one; undefined when a match may contain none predictable */
  triggers?: Triggers;
  /** Python group names that take part, with at least one character, in every match */
  always: Set<string>;
  /** Python group names that take part (maybe empty) in every match */
  takesPart: Set<string>;
}

function backrefNums(n: Node, out: Set<number>): void {
  switch (n.t) {
    case "backref":
    case "cond":
      out.add(n.num);
      break;
  }
  if (n.t === "seq") for (const c of n.items) backrefNums(c, out);
  else if (n.t === "alt") for (const c of n.alts) backrefNums(c, out);
  else if (n.t === "group" || n.t === "rep") backrefNums(n.body, out);
  else if (n.t === "cond") {
    backrefNums(n.yes, out);
    backrefNums(n.no, out);
  }
}

export function translatePyRegex(python: string, opts: { multiline?: boolean } = {}): TranslatedRegex {
  const parsed = parsePyRegex(python, opts);
  const capture = new Set<number>(parsed.names.values());
  backrefNums(parsed.root, capture);
  const root = rewriteConditionals(parsed.root);
  const out = emitJs(root, capture, parsed.flags.i);
  let numbered: ReturnType<typeof numberGroups>;
  try {
    numbered = numberGroups(out.source);
    checkSyntax(numbered.source, out.flags);
  } catch (err) {
    throw new PyRegexError(`the JavaScript translation does not compile: ${(err as Error).message}`, 0);
  }
  const source = numbered.source;
  const flags = out.flags;
  let regex: RegExp | undefined;
  const byNum = new Map<number, string>();
  for (const [name, num] of parsed.names) byNum.set(num, name);
  const named = new Map<string, number[]>();
  for (const g of out.groups) {
    const name = byNum.get(g.num);
    const at = numbered.index.get(g.js);
    if (name === undefined || at === undefined) continue;
    const list = named.get(name) ?? [];
    list.push(at);
    named.set(name, list);
  }
  const groupNames = [...parsed.names.entries()].sort((a, b) => a[1] - b[1]).map(([n]) => n);
  for (const n of groupNames) if (!named.has(n)) named.set(n, []);
  const firstChars = anchoredFirstChars(root);
  return {
    python,
    get regex(): RegExp {
      regex ??= new RegExp(source, flags);
      return regex;
    },
    source,
    flags,
    named,
    groupNames,
    literals: requiredLiterals(root),
    firstChars,
    triggers: triggers(root),
    always: alwaysGroupNames(parsed.root, parsed.names, true),
    takesPart: alwaysGroupNames(parsed.root, parsed.names, false),
  };
}

/** A class escape \p{..} / \P{..}, or any other escape (kept whole, so an escaped backslash before "p{" is no class). */
const ESCAPE = /\\(?:([pP])\{[^}]*\}|[\s\S])/g;

/**
 * Throws the SyntaxError `new RegExp(source, flags)` would throw, without its cost: every Unicode property
 * class (what makes construction slow) is checked as \d or \D, an escape of the same kind (a class
 * escape, allowed and refused in the same places). The emitter writes only valid property names.
 */
export function checkSyntax(source: string, flags: string): void {
  new RegExp(
    source.replace(ESCAPE, (m, p: string | undefined) => (p === undefined ? m : p === "p" ? "\\d" : "\\D")),
    flags,
  );
}

/**
 * Python's groupdict() from a JS match: every Python group name, undefined when it did not take part.
 * For a group copied by a conditional rewrite, the copy that took part gives the value.
 */
export function groupDict(t: TranslatedRegex, m: RegExpExecArray): Record<string, string | undefined> {
  const d: Record<string, string | undefined> = {};
  for (const [name, at] of t.named) {
    let v: string | undefined;
    for (const j of at) {
      if (m[j] !== undefined) {
        v = m[j];
        break;
      }
    }
    d[name] = v;
  }
  return d;
}

export function isPyRegexError(e: unknown): e is PyRegexError {
  return e instanceof PyRegexError;
}

/**
 * groupDict as a function made for one regex: an object literal with the group names as fixed keys, so
 * every dict of that regex shares one shape (built key by key, each took a different, slower one). Names
 * are embedded as JSON strings and indexes are numbers: no text of the filter is run as code.
 */
export function groupDictBuilder(
  t: TranslatedRegex,
  skip?: string,
): (m: RegExpExecArray) => Record<string, string | undefined> {
  const entries: string[] = [];
  for (const [name, at] of t.named) {
    if (name === skip) continue;
    entries.push(`${propertyKey(name)}: ${groupValueExpr(at)}`);
  }
  return new Function("m", `return { ${entries.join(", ")} };`) as (
    m: RegExpExecArray,
  ) => Record<string, string | undefined>;
}

/**
 * A key of a generated object literal: the name as a JSON string; "__proto__" computed, since a literal
 * `"__proto__": v` would set the prototype where Python makes a key (a group may be named so).
 */
export function propertyKey(name: string): string {
  return name === "__proto__" ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
}

/**
 * A JS expression (over a match `m`) for the value of a Python group whose JS copies are `at`: the first
 * copy that took part, else undefined.
 */
export function groupValueExpr(at: readonly number[]): string {
  let v = "undefined";
  for (let i = at.length - 1; i >= 0; i--) {
    const j = Math.trunc(at[i]);
    v = i === at.length - 1 ? `m[${j}]` : `(m[${j}] !== undefined ? m[${j}] : ${v})`;
  }
  return v;
}
