/**
 * Trigger texts of a pattern: a small set of strings such that every match contains at least one of
 * them. Where requiredLiterals gives up at an alternation, triggers expand it: `[iI](?:llegal|nvalid) user `
 * gives {"Illegal user ", "illegal user ", "Invalid user ", "invalid user "}. A filter can skip a line that
 * contains no trigger of any of its regexes without running them (see src/fail2ban/filter/prefilter.ts).
 */
import type { Node } from "./ast.js";

/** A trigger set; `ci`: the strings are lower case and must be looked for case-insensitively. */
export interface Triggers {
  texts: string[];
  ci: boolean;
}

/** Largest number of strings an expansion may produce before it is cut. */
const LIMIT = 24;
/** Largest class expanded into its characters. */
const CLASS_LIMIT = 6;

interface Exact {
  texts: string[];
  ci: boolean;
}

const EMPTY: Exact = { texts: [""], ci: false };

function isAsciiLetter(cp: number): boolean {
  return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
}

function charExact(cp: number, ci: boolean): Exact | undefined {
  if (!ci) return { texts: [String.fromCodePoint(cp)], ci: false };
  // case-insensitive: only ASCII letters and non-letters keep a clear meaning (no special folds)
  if (cp >= 0x80) return undefined;
  const c = String.fromCodePoint(cp);
  return isAsciiLetter(cp) ? { texts: [c.toLowerCase()], ci: true } : { texts: [c], ci: false };
}

function product(a: Exact, b: Exact): Exact | undefined {
  if (a.texts.length * b.texts.length > LIMIT) return undefined;
  // the common case (a literal run grown by one character): no set
  if (a.ci === b.ci && a.texts.length === 1 && b.texts.length === 1)
    return { texts: [a.texts[0] + b.texts[0]], ci: a.ci };
  const ci = a.ci || b.ci;
  const norm = (s: string, was: boolean) => (ci && !was ? s.toLowerCase() : s);
  const out = new Set<string>();
  for (const x of a.texts) for (const y of b.texts) out.add(norm(x, a.ci) + norm(y, b.ci));
  return { texts: [...out], ci };
}

function union(parts: Exact[]): Exact | undefined {
  const ci = parts.some((p) => p.ci);
  const out = new Set<string>();
  for (const p of parts) for (const s of p.texts) out.add(ci && !p.ci ? s.toLowerCase() : s);
  return out.size > LIMIT ? undefined : { texts: [...out], ci };
}

/** Every string `n` can match, when they are few and plain; undefined otherwise. */
function exact(n: Node): Exact | undefined {
  switch (n.t) {
    case "char":
      return charExact(n.cp, n.i);
    case "class": {
      if (n.neg) return undefined;
      const parts: Exact[] = [];
      let count = 0;
      for (const it of n.items) {
        if ("esc" in it) return undefined;
        count += it.hi - it.lo + 1;
        if (count > CLASS_LIMIT) return undefined;
        for (let c = it.lo; c <= it.hi; c++) {
          const e = charExact(c, n.i);
          if (!e) return undefined;
          parts.push(e);
        }
      }
      return parts.length ? union(parts) : undefined;
    }
    case "group":
      if (n.kind === "cap" || n.kind === "nc" || n.kind === "atomic") return exact(n.body);
      return EMPTY; // a look-around consumes nothing
    case "alt": {
      const parts: Exact[] = [];
      for (const a of n.alts) {
        const e = exact(a);
        if (!e) return undefined;
        parts.push(e);
      }
      return union(parts);
    }
    case "seq": {
      let cur: Exact | undefined = EMPTY;
      for (const it of n.items) {
        const e = exact(it);
        cur = e && cur ? product(cur, e) : undefined;
        if (!cur) return undefined;
      }
      return cur;
    }
    case "rep": {
      if (n.max === Number.POSITIVE_INFINITY || n.max > 4) return undefined;
      const body = exact(n.body);
      if (!body) return undefined;
      const choices: Exact[] = [];
      let cur: Exact | undefined = EMPTY;
      for (let k = 0; k <= n.max && cur; k++) {
        if (k >= n.min) choices.push(cur);
        if (k < n.max) cur = product(cur, body);
      }
      return cur ? union(choices) : undefined;
    }
    case "bol":
    case "eol":
    case "bos":
    case "eos":
    case "wordb":
      return EMPTY;
    default:
      return undefined;
  }
}

/** Higher is better: the shortest text decides (longer texts are rarer), then fewer texts. */
function score(t: Triggers): number {
  const min = Math.min(...t.texts.map((s) => s.length));
  return min * 100 - t.texts.length;
}

function better(a: Triggers | undefined, b: Triggers | undefined): Triggers | undefined {
  if (!a) return b;
  if (!b) return a;
  return score(b) > score(a) ? b : a;
}

function usable(e: Exact): Triggers | undefined {
  if (e.texts.some((s) => s.length < 2)) return undefined;
  return { texts: e.texts, ci: e.ci };
}

/** The best trigger set of `n`, or undefined when a match may contain no predictable text. */
export function triggers(n: Node): Triggers | undefined {
  switch (n.t) {
    case "group":
      return n.kind === "cap" || n.kind === "nc" || n.kind === "atomic" ? triggers(n.body) : undefined;
    case "rep":
      return n.min >= 1 ? triggers(n.body) : undefined;
    case "alt": {
      const parts: Triggers[] = [];
      for (const a of n.alts) {
        const t = triggers(a);
        if (!t) return undefined;
        parts.push(t);
      }
      const u = union(parts);
      return u ? usable(u) : undefined;
    }
    case "seq": {
      let best: Triggers | undefined;
      let run: Exact = EMPTY;
      for (const it of n.items) {
        const e = exact(it);
        const next = e ? product(run, e) : undefined;
        if (next) {
          run = next;
          continue;
        }
        best = better(best, usable(run));
        best = better(best, triggers(it));
        run = e ?? EMPTY;
      }
      return better(best, usable(run));
    }
    default: {
      const e = exact(n);
      return e ? usable(e) : undefined;
    }
  }
}

/** Group numbers that take part (`nonEmpty`: with at least one character) in every match of `n`. */
function alwaysGroups(n: Node, out: Set<number>, nonEmpty: boolean): void {
  switch (n.t) {
    case "seq":
      for (const it of n.items) alwaysGroups(it, out, nonEmpty);
      return;
    case "group":
      if (n.kind !== "cap" && n.kind !== "nc" && n.kind !== "atomic") return;
      if (n.kind === "cap" && n.num !== undefined && (!nonEmpty || minWidth(n.body) > 0)) out.add(n.num);
      alwaysGroups(n.body, out, nonEmpty);
      return;
    case "rep":
      if (n.min >= 1) alwaysGroups(n.body, out, nonEmpty);
      return;
    case "alt": {
      const sets = n.alts.map((a) => {
        const s = new Set<number>();
        alwaysGroups(a, s, nonEmpty);
        return s;
      });
      for (const g of sets[0] ?? []) if (sets.every((s) => s.has(g))) out.add(g);
      return;
    }
    default:
      return;
  }
}

function minWidth(n: Node): number {
  switch (n.t) {
    case "seq":
      return n.items.reduce((a, x) => a + minWidth(x), 0);
    case "alt":
      return Math.min(...n.alts.map(minWidth));
    case "char":
    case "class":
    case "esc":
    case "dot":
      return 1;
    case "group":
      return n.kind === "cap" || n.kind === "nc" || n.kind === "atomic" ? minWidth(n.body) : 0;
    case "rep":
      return n.min === 0 ? 0 : n.min * minWidth(n.body);
    default:
      return 0;
  }
}

/** Names of the groups that take part (`nonEmpty`: with at least one character) in every match. */
export function alwaysGroupNames(root: Node, names: Map<string, number>, nonEmpty: boolean): Set<string> {
  const nums = new Set<number>();
  alwaysGroups(root, nums, nonEmpty);
  const out = new Set<string>();
  for (const [name, num] of names) if (nums.has(num)) out.add(name);
  return out;
}
