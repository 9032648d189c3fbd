/** Syntax errors in a filter pattern, positioned as LINE:COL (1-based) inside the pattern text. */

/** Line and column (1-based) of a 0-based offset in `source`; an offset past the end points just after it. */
export function lineColOf(source: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

/** A pattern that cannot be compiled; the message is "LINE:COL: what was expected". */
export class PatternSyntaxError extends Error {
  readonly line: number;
  readonly col: number;
  /** 0-based offset of the problem in the pattern text. */
  readonly offset: number;
  /** The problem without its position. */
  readonly reason: string;
  constructor(source: string, offset: number, reason: string) {
    const { line, col } = lineColOf(source, offset);
    super(`${line}:${col}: ${reason}`);
    this.name = "PatternSyntaxError";
    this.line = line;
    this.col = col;
    this.offset = offset;
    this.reason = reason;
  }
}
