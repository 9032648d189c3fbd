/**
 * Required literals: text that every match must contain. A filter checks `buf.includes(lit)` before
 * running a regex — most log lines fail that test in nanoseconds, which is where the speed comes from.
 */
import type { Node } from "./ast.js";

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
