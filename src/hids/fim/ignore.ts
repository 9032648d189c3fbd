/**
 * A watched path's `ignore` globs: with a `/` a glob matches the whole (display) path — `/etc/ssl/certs/**`
 * also ignores the folder itself — without one it matches the file name (`*.swp`), as OSSEC's and AIDE's
 * users expect.
 */
import { globToRegExp } from "../../sources/shared/glob.js";

/** `**` must also cross names that hold a newline */
const compile = (g: string) => new RegExp(globToRegExp(g).source, "s");

export type IgnoreTest = (displayPath: string) => boolean;

/** The globs as regular expression sources (flag "s"): on whole paths and on names (tree-pool.ts's workers). */
export function ignorePatterns(globs: readonly string[]): { whole: string[]; names: string[] } {
  const whole: string[] = [];
  const names: string[] = [];
  for (const g of globs) {
    if (g.includes("/")) {
      whole.push(compile(g).source);
      if (g.endsWith("/**")) whole.push(compile(g.slice(0, -3)).source);
    } else names.push(compile(g).source);
  }
  return { whole, names };
}

export function compileIgnore(globs: readonly string[]): IgnoreTest {
  const patterns = ignorePatterns(globs);
  const whole = patterns.whole.map((s) => new RegExp(s, "s"));
  const names = patterns.names.map((s) => new RegExp(s, "s"));
  if (whole.length === 0 && names.length === 0) return () => false;
  return (p) => {
    if (whole.some((r) => r.test(p))) return true;
    if (names.length === 0) return false;
    const name = p.slice(p.lastIndexOf("/") + 1);
    return names.some((r) => r.test(name));
  };
}
