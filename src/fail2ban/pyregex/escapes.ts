/** Python escapes that stand for one character: `\n`, `\x41`, `\u00e9`, `\U0001F600`, `\0`, `\.` ... */

const SIMPLE: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };

/**
 * The character an escape stands for; `pos` is just after the backslash. Undefined when Python rejects
 * the escape (an ASCII letter or digit without meaning).
 */
export function parseEscapeLiteral(
  src: string,
  pos: number,
  inClass: boolean,
): { cp: number; end: number } | undefined {
  const c = src[pos];
  if (c === undefined) return undefined;
  if (c in SIMPLE) return { cp: SIMPLE[c], end: pos + 1 };
  const hexLen = c === "x" ? 2 : c === "u" ? 4 : c === "U" ? 8 : 0;
  if (hexLen) {
    const hex = src.slice(pos + 1, pos + 1 + hexLen);
    if (hex.length !== hexLen || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
    const cp = Number.parseInt(hex, 16);
    if (cp > 0x10ffff) return undefined;
    return { cp, end: pos + 1 + hexLen };
  }
  if (c === "0") {
    const m = /^[0-7]{0,2}/.exec(src.slice(pos + 1)) as RegExpExecArray;
    return { cp: m[0] ? Number.parseInt(m[0], 8) : 0, end: pos + 1 + m[0].length };
  }
  if (/[A-Za-z0-9]/.test(c)) return inClass && c === "b" ? { cp: 8, end: pos + 1 } : undefined;
  const cp = src.codePointAt(pos) as number;
  return { cp, end: pos + (cp > 0xffff ? 2 : 1) };
}
