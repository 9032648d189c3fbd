/**
 * Small scans of Python regex source text: name the capturing groups the detector needs (so the
 * translated JS regex reports them), and tell whether what follows a group can only match empty text
 * (then the group ends where the whole match ends, and its start follows from its length).
 */

export interface NamedGroups {
  source: string;
  /** Python group number → the Python group name now carrying it */
  names: Map<number, string>;
  /** group number → index in `source` of its closing parenthesis */
  closeAt: Map<number, number>;
}

/** Skips a character class starting at `[` (Python: a `]` right after `[` or `[^` is literal). */
function skipClass(s: string, i: number): number {
  let j = i + 1;
  if (s[j] === "^") j++;
  if (s[j] === "]") j++;
  while (j < s.length && s[j] !== "]") j += s[j] === "\\" ? 2 : 1;
  return j + 1;
}

/**
 * Gives the capturing groups `wanted` a name (`_f2b_gN`) unless they already have one, and finds where
 * each group closes. Group numbers count every `(` that is not `(?...` plus every `(?P<name>`.
 */
export function nameGroups(src: string, wanted: number[]): NamedGroups {
  const names = new Map<number, string>();
  const closeAt = new Map<number, number>();
  const stack: number[] = [];
  let out = "";
  let n = 0;
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === "\\") {
      out += src.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === "[") {
      const j = skipClass(src, i);
      out += src.slice(i, j);
      i = j;
      continue;
    }
    if (c === "(") {
      if (src.startsWith("(?#", i)) {
        const j = src.indexOf(")", i);
        const end = j < 0 ? src.length : j + 1;
        out += src.slice(i, end);
        i = end;
        continue;
      }
      if (src[i + 1] !== "?") {
        n++;
        stack.push(n);
        if (wanted.includes(n)) {
          const name = `_f2b_g${n}`;
          names.set(n, name);
          out += `(?P<${name}>`;
        } else out += "(";
        i++;
        continue;
      }
      if (src.startsWith("(?(", i)) {
        // a conditional: its "(name)" or "(1)" is a reference, not a group
        const end = src.indexOf(")", i + 3);
        const stop = end < 0 ? src.length : end + 1;
        stack.push(0);
        out += src.slice(i, stop);
        i = stop;
        continue;
      }
      if (src.startsWith("(?P<", i)) {
        n++;
        stack.push(n);
        const end = src.indexOf(">", i);
        if (wanted.includes(n) && end > 0) names.set(n, src.slice(i + 4, end));
      } else stack.push(0);
      out += c;
      i++;
      continue;
    }
    if (c === ")") {
      const g = stack.pop();
      if (g) closeAt.set(g, out.length);
    }
    out += c;
    i++;
  }
  return { source: out, names, closeAt };
}

/** End of a parenthesised group starting at `(` (index after its `)`), or -1. */
function skipGroup(s: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < s.length) {
    const c = s[j];
    if (c === "\\") j += 2;
    else if (c === "[") j = skipClass(s, j);
    else {
      if (c === "(") depth++;
      else if (c === ")" && --depth === 0) return j + 1;
      j++;
    }
  }
  return -1;
}

/** True when `tail` is only lookarounds and anchors (`(?=...)`, `(?!...)`, `$`, `\b`, `\B`, `\Z`). */
export function isZeroWidth(tail: string): boolean {
  let i = 0;
  while (i < tail.length) {
    if (tail.startsWith("(?=", i) || tail.startsWith("(?!", i)) {
      const j = skipGroup(tail, i);
      if (j < 0) return false;
      i = j;
    } else if (tail[i] === "$") i++;
    else if (tail.startsWith("\\b", i) || tail.startsWith("\\B", i) || tail.startsWith("\\Z", i)) i += 2;
    else return false;
  }
  return true;
}
