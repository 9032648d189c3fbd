/**
 * A watched path's `ignore` globs: with a `/` a glob matches the whole (display) path — `/etc/ssl/certs/**`
 * also ignores the folder itself — without one it matches the file name (`*.swp`), as OSSEC's and AIDE's
 * users expect.
 */
import { globToRegExp } from "../../sources/shared/glob.js";

/** `**` must also cross names that hold a newline */
const compile = (g: string) => new RegExp(globToRegExp(g).source, "s");

export type IgnoreTest = (displayPath: string) => boolean;

export function compileIgnore(globs: readonly string[]): IgnoreTest {
  const whole: RegExp[] = [];
  const names: RegExp[] = [];
  for (const g of globs) {
    if (g.includes("/")) {
      whole.push(compile(g));
      if (g.endsWith("/**")) whole.push(compile(g.slice(0, -3)));
    } else names.push(compile(g));
  }
  if (whole.length === 0 && names.length === 0) return () => false;
  return (p) => {
    if (whole.some((r) => r.test(p))) return true;
    if (names.length === 0) return false;
    const name = p.slice(p.lastIndexOf("/") + 1);
    return names.some((r) => r.test(name));
  };
}
