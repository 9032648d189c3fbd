/**
 * Required literals: text that every match must contain. A filter checks `buf.includes(lit)` before
 * running a regex — most log lines fail that test in nanoseconds, which is where the speed comes from.
 */
import type { Node } from "./ast.js";
import { width } from "./emit.js";

/** Case-sensitive literal runs that every match contains; the longest first. */
export function requiredLiterals(root: Node): string[] {
  const runs: string[] = [];
  collect(root, runs);
  return [...new Set(runs.filter((r) => r.length >= 2))].sort((a, b) => b.length - a.length);
}

/** Walks mandatory parts; a run of plain characters is one literal, anything else ends the run. */
function collect(n: Node, out: string[]): void {
  let cur = "";
  const flush = () => {
    if (cur) out.push(cur);
    cur = "";
  };
  const walk = (x: Node): void => {
    switch (x.t) {
      case "char":
        if (x.i && String.fromCodePoint(x.cp).toLowerCase() !== String.fromCodePoint(x.cp).toUpperCase())
          flush();
        else cur += String.fromCodePoint(x.cp);
        return;
      case "seq":
        for (const it of x.items) walk(it);
        return;
      case "group":
        if (x.kind === "cap" || x.kind === "nc" || x.kind === "atomic") walk(x.body);
        else if (x.kind === "la" || x.kind === "lb") {
          flush();
          collect(x.body, out);
        } else flush();
        return;
      case "rep":
        flush();
        if (x.min >= 1) {
          collect(x.body, out);
          if (x.min === 1 && x.max === 1) return;
        }
        return;
      case "alt": {
        flush();
        // a literal common to every alternative is required too
        const per = x.alts.map((a) => new Set(requiredLiterals(a)));
        const first = per[0];
        if (first) for (const lit of first) if (per.every((s) => hasSub(s, lit))) out.push(lit);
        return;
      }
      case "bol":
      case "eol":
      case "bos":
      case "eos":
      case "wordb":
        return;
      default:
        flush();
    }
  };
  walk(n);
  flush();
}

function hasSub(set: Set<string>, lit: string): boolean {
  for (const s of set) if (s.includes(lit)) return true;
  return false;
}

function caseSet(cp: number, ci: boolean): number[] {
  if (!ci) return [cp];
  const c = String.fromCodePoint(cp);
  return [
    ...new Set([cp, c.toLowerCase().codePointAt(0) as number, c.toUpperCase().codePointAt(0) as number]),
  ];
}

/** The characters a match can start with, for a pattern anchored at the start; undefined when unknown. */
function firstOf(n: Node): number[] | undefined {
  switch (n.t) {
    case "char":
      return caseSet(n.cp, n.i);
    case "class": {
      if (n.neg) return undefined;
      const out: number[] = [];
      for (const it of n.items) {
        if ("esc" in it || it.hi - it.lo > 64) return undefined;
        for (let c = it.lo; c <= it.hi; c++) out.push(...caseSet(c, n.i));
      }
      return out;
    }
    case "group":
      if (n.kind !== "cap" && n.kind !== "nc" && n.kind !== "atomic") return undefined;
      return width(n.body)[0] > 0 ? firstOf(n.body) : undefined;
    case "alt": {
      const out: number[] = [];
      for (const a of n.alts) {
        if (width(a)[0] === 0) return undefined;
        const f = firstOf(a);
        if (!f) return undefined;
        out.push(...f);
      }
      return out;
    }
    case "seq": {
      const head = n.items[0];
      return head && width(head)[0] > 0 ? firstOf(head) : undefined;
    }
    case "rep":
      return n.min >= 1 ? firstOf(n.body) : undefined;
    default:
      return undefined;
  }
}

/**
 * For a pattern that starts with a (non-multiline) `^` or `\A`: the characters the subject must start
 * with. A filter checks the first character before running the regex.
 */
export function anchoredFirstChars(root: Node): Set<number> | undefined {
  const items = root.t === "seq" ? root.items : [root];
  const a = items[0];
  if (!a || !((a.t === "bol" && !a.m) || a.t === "bos")) return undefined;
  let k = 1;
  while (k < items.length && (items[k].t === "bol" || items[k].t === "bos")) k++;
  const rest = items.slice(k);
  if (!rest.length || width(rest[0])[0] === 0) return undefined;
  const f = firstOf(rest[0]);
  return f ? new Set(f) : undefined;
}
