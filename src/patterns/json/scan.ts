/**
 * A lazy JSON scanner: walks only to the values a pattern selects and skips everything else by bracket
 * and string structure, without building objects. Parts that are skipped are checked only for balanced
 * strings and brackets, so a message that is malformed inside a part the pattern never looks at can still
 * match; a malformed part on the way to a selected value makes the message not match.
 */

export const ABSENT = -1;
export const INVALID = -2;

export function skipBlanks(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) i++;
    else return i;
  }
}

/** Index of the closing quote of the string whose opening quote is at i, or -1. */
export function stringEnd(s: string, i: number): number {
  let j = s.indexOf('"', i + 1);
  while (j > 0) {
    let backslashes = 0;
    for (let k = j - 1; s.charCodeAt(k) === 92; k--) backslashes++;
    if ((backslashes & 1) === 0) return j;
    j = s.indexOf('"', j + 1);
  }
  return -1;
}

/** End (exclusive) of a number or literal starting at i. */
export function primitiveEnd(s: string, i: number): number {
  const len = s.length;
  while (i < len) {
    const c = s.charCodeAt(i);
    if (c === 44 || c === 125 || c === 93 || c === 32 || c === 10 || c === 13 || c === 9) break;
    i++;
  }
  return i;
}

/** End (exclusive) of the JSON value starting at i, or -1 when it is malformed or cut off. */
export function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 34) {
    const e = stringEnd(s, i);
    return e < 0 ? -1 : e + 1;
  }
  if (c === 123 || c === 91) {
    let depth = 0;
    const len = s.length;
    for (let j = i; j < len; j++) {
      const d = s.charCodeAt(j);
      if (d === 34) {
        j = stringEnd(s, j);
        if (j < 0) return -1;
      } else if (d === 123 || d === 91) {
        depth++;
      } else if (d === 125 || d === 93) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  const e = primitiveEnd(s, i);
  return e === i ? -1 : e;
}

function hasBackslash(s: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (s.charCodeAt(k) === 92) return true;
  return false;
}

function keyEquals(s: string, open: number, close: number, key: string): boolean {
  if (!hasBackslash(s, open + 1, close))
    return close - open - 1 === key.length && s.startsWith(key, open + 1);
  try {
    return JSON.parse(s.slice(open, close + 1)) === key;
  } catch {
    return false;
  }
}

/** Start of the value of member `key` in the object at i (s[i] === '{'), ABSENT or INVALID. */
function member(s: string, i: number, key: string): number {
  i = skipBlanks(s, i + 1);
  if (s.charCodeAt(i) === 125) return ABSENT;
  for (;;) {
    if (s.charCodeAt(i) !== 34) return INVALID;
    const close = stringEnd(s, i);
    if (close < 0) return INVALID;
    const colon = skipBlanks(s, close + 1);
    if (s.charCodeAt(colon) !== 58) return INVALID;
    const value = skipBlanks(s, colon + 1);
    if (keyEquals(s, i, close, key)) return value;
    const end = skipValue(s, value);
    if (end < 0) return INVALID;
    i = skipBlanks(s, end);
    const c = s.charCodeAt(i);
    if (c === 125) return ABSENT;
    if (c !== 44) return INVALID;
    i = skipBlanks(s, i + 1);
  }
}

/** Start of element `index` of the array at i (s[i] === '['), ABSENT or INVALID. */
function element(s: string, i: number, index: number): number {
  i = skipBlanks(s, i + 1);
  if (s.charCodeAt(i) === 93) return ABSENT;
  for (let n = 0; ; n++) {
    if (n === index) return i;
    const end = skipValue(s, i);
    if (end < 0) return INVALID;
    i = skipBlanks(s, end);
    const c = s.charCodeAt(i);
    if (c === 93) return ABSENT;
    if (c !== 44) return INVALID;
    i = skipBlanks(s, i + 1);
  }
}

/**
 * Where the root value starts when the message looks like a JSON object or array (it starts with '{' and
 * ends with '}', or '[' and ']', blanks aside; a message cut short fails here), else INVALID.
 */
export function rootStart(s: string): number {
  const i = skipBlanks(s, 0);
  const c = s.charCodeAt(i);
  if (c !== 123 && c !== 91) return INVALID;
  let j = s.length - 1;
  while (j > i) {
    const d = s.charCodeAt(j);
    if (d === 32 || d === 10 || d === 13 || d === 9) j--;
    else break;
  }
  return j > i && s.charCodeAt(j) === c + 2 ? i : INVALID;
}

/** Start of the value at `path` (keys and indexes), ABSENT, or INVALID when the message is not JSON. */
export function locate(s: string, root: number, path: readonly (string | number)[]): number {
  let i = root;
  for (const step of path) {
    const c = s.charCodeAt(i);
    if (typeof step === "string") {
      if (c !== 123) return c === 91 || c === 34 || isPrimitiveStart(c) ? ABSENT : INVALID;
      i = member(s, i, step);
    } else {
      if (c !== 91) return c === 123 || c === 34 || isPrimitiveStart(c) ? ABSENT : INVALID;
      i = element(s, i, step);
    }
    if (i < 0) return i;
  }
  return i;
}

function isPrimitiveStart(c: number): boolean {
  return c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110;
}

/** The string value at i as text, decoding escapes only when there are any; undefined if not a string. */
export function stringAt(s: string, i: number): { text: string; start: number; end: number } | undefined {
  if (s.charCodeAt(i) !== 34) return undefined;
  const close = stringEnd(s, i);
  if (close < 0) return undefined;
  if (!hasBackslash(s, i + 1, close)) return { text: s, start: i + 1, end: close };
  try {
    const text = JSON.parse(s.slice(i, close + 1)) as string;
    return { text, start: 0, end: text.length };
  } catch {
    return undefined;
  }
}

/** The value at i as a JavaScript value (objects and arrays parsed), or undefined when malformed. */
export function materialize(s: string, i: number): unknown {
  const end = skipValue(s, i);
  if (end < 0) return undefined;
  try {
    return JSON.parse(s.slice(i, end));
  } catch {
    return undefined;
  }
}
