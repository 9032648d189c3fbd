/**
 * Which of a set of literal texts occur in a line, in one pass (Wu-Manber): a window as long as the
 * shortest text slides over the line, and a table of two-character blocks says how far it may jump
 * (most places are skipped without a look at the texts); where it may not, the texts whose window ends in
 * that block are compared. Each text is represented by the part of it, as long as the window, that ends
 * in the rarest-looking block (an upper-case letter, a digit or punctuation rather than "en" or "on"), so
 * that few places of a line stop the jumps. Each text carries bits; the scan returns the union of the
 * bits of the texts found, and stops at the first text with a `stop` bit.
 */

/** Hash of a two-character block into the tables (collisions only cost a shorter jump or a compare). */
const TABLE = 4096;
function block(a: number, b: number): number {
  return ((a << 5) ^ b) & (TABLE - 1);
}

export type LiteralScanner = (line: string) => number;

/** Characters other than lower-case ASCII letters and space: rare in log text. */
function rareChar(c: number): boolean {
  return !(c >= 97 && c <= 122) && c !== 32;
}
/** Lower-case letters rare in English and log text. */
const RARE_LETTERS = new Set([..."qxzjkvwyfbpgm"].map((c) => c.charCodeAt(0)));

/** Where the window of `t` (m characters) starts: its last block the rarest-looking, the first such. */
function windowStart(t: string, m: number): number {
  let best = 0;
  let bestScore = -1;
  for (let o = 0; o + m <= t.length; o++) {
    const a = t.charCodeAt(o + m - 2);
    const b = t.charCodeAt(o + m - 1);
    const score = (rareChar(a) ? 2 : 0) + (rareChar(b) ? 2 : 0) + (RARE_LETTERS.has(b) ? 1 : 0);
    if (score > bestScore) {
      bestScore = score;
      best = o;
    }
  }
  return best;
}

/**
 * A scanner for `texts` ([text, bits]); undefined when the shortest text is under `minLength` characters
 * (jumps would be too short to beat the regex engine).
 */
export function literalScanner(
  texts: readonly (readonly [string, number])[],
  stop: number,
  minLength = 4,
): LiteralScanner | undefined {
  if (texts.length === 0) return () => 0;
  const m = Math.min(...texts.map(([t]) => t.length));
  if (m < minLength) return undefined;
  const maxJump = Math.min(m - 1, 255);
  const jump = new Uint8Array(TABLE).fill(maxJump);
  /** per last block of a window: [text, bits, where the window starts in the text] */
  const candidates: [string, number, number][][] = Array.from({ length: TABLE }, () => []);
  for (const [t, bits] of texts) {
    const o = windowStart(t, m);
    // the block ending at window position j may be followed by m - 1 - j more characters of the window
    for (let j = 1; j < m; j++) {
      const h = block(t.charCodeAt(o + j - 1), t.charCodeAt(o + j));
      jump[h] = Math.min(jump[h], m - 1 - j);
    }
    candidates[block(t.charCodeAt(o + m - 2), t.charCodeAt(o + m - 1))].push([t, bits, o]);
  }
  return (line) => {
    const n = line.length;
    let found = 0;
    let i = m - 1;
    while (i < n) {
      const h = block(line.charCodeAt(i - 1), line.charCodeAt(i));
      const s = jump[h];
      if (s !== 0) {
        i += s;
        continue;
      }
      const start = i - m + 1;
      const list = candidates[h];
      for (let k = 0; k < list.length; k++) {
        const [t, bits, o] = list[k];
        if (start >= o && line.startsWith(t, start - o)) {
          found |= bits;
          if (found & stop) return found;
        }
      }
      i++;
    }
    return found;
  };
}
