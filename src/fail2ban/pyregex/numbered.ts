/**
 * Named capture groups → numbered ones in a JavaScript regex source. A RegExp with named groups builds a
 * `groups` object on every successful exec, with every name in it: for fail2ban's regexes (twenty or
 * more groups each) that object costs more than the match itself. Numbered groups give the same captures
 * in the result array, so the translation keeps a name → index table instead.
 */

export interface NumberedSource {
  source: string;
  /** JS group name → its capture index in `source` */
  index: Map<string, number>;
}

/** The name of a named group opening at `i` (`(?<name>`), or undefined for any other parenthesis. */
function groupNameAt(src: string, i: number): string | undefined {
  if (src[i + 1] !== "?" || src[i + 2] !== "<") return undefined;
  const c = src[i + 3];
  if (c === "=" || c === "!") return undefined;
  const end = src.indexOf(">", i + 3);
  return end < 0 ? undefined : src.slice(i + 3, end);
}

/** Capture index of every group, in order of their opening parentheses (as JavaScript numbers them). */
function captureIndexes(src: string): Map<string, number> {
  const index = new Map<string, number>();
  let count = 0;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(") {
      if (src[i + 1] !== "?") count++;
      else {
        const name = groupNameAt(src, i);
        if (name !== undefined) index.set(name, ++count);
      }
    }
  }
  return index;
}

/** `source` with every `(?<name>` made `(` and every `\k<name>` made `(?:\N)`. */
export function numberGroups(source: string): NumberedSource {
  const index = captureIndexes(source);
  let out = "";
  let from = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      if (!inClass && source[i + 1] === "k" && source[i + 2] === "<") {
        const end = source.indexOf(">", i + 3);
        const n = index.get(source.slice(i + 3, end));
        if (n === undefined) throw new Error(`backreference to unknown group in ${source}`);
        out += `${source.slice(from, i)}(?:\\${n})`;
        from = end + 1;
        i = end;
      } else i++;
    } else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(") {
      const name = groupNameAt(source, i);
      if (name !== undefined) {
        out += `${source.slice(from, i)}(`;
        from = i + 4 + name.length;
        i = from - 1;
      }
    }
  }
  return { source: out + source.slice(from), index };
}
