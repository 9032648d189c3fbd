/** A read position over the pattern text, shared by the term, space-delimited and JSON parsers. */
import { PatternSyntaxError } from "./errors.js";

export class Cursor {
  pos: number;
  constructor(
    readonly source: string,
    start = 0,
    readonly end = source.length,
  ) {
    this.pos = start;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  peek(ahead = 0): string {
    const i = this.pos + ahead;
    return i < this.end ? this.source[i] : "";
  }

  startsWith(text: string): boolean {
    return this.source.startsWith(text, this.pos) && this.pos + text.length <= this.end;
  }

  /** Consumes `text` when it comes next. */
  eat(text: string): boolean {
    if (!this.startsWith(text)) return false;
    this.pos += text.length;
    return true;
  }

  skipBlanks(): void {
    while (this.pos < this.end && isBlank(this.source.charCodeAt(this.pos))) this.pos++;
  }

  fail(reason: string, offset = this.pos): never {
    throw new PatternSyntaxError(this.source, offset, reason);
  }

  /** What is at the cursor, for messages: `'x'` or "the end of the pattern". */
  describeHere(): string {
    return this.atEnd() ? "the end of the pattern" : `'${this.peek()}'`;
  }
}

/** Space, tab, CR, LF: blanks between tokens of a pattern. */
export function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** ASCII letter, digit or underscore. */
export function isWordChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
  );
}

/**
 * Reads a double-quoted string at the cursor (`\"` and `\\` are the only escapes) and returns its text.
 * The cursor must be on the opening quote.
 */
export function readQuoted(cur: Cursor): string {
  const open = cur.pos;
  cur.pos++;
  let text = "";
  while (!cur.atEnd()) {
    const ch = cur.peek();
    if (ch === '"') {
      cur.pos++;
      return text;
    }
    if (ch === "\\" && (cur.peek(1) === '"' || cur.peek(1) === "\\")) {
      text += cur.peek(1);
      cur.pos += 2;
      continue;
    }
    text += ch;
    cur.pos++;
  }
  return cur.fail("unterminated string: add the closing '\"'", open);
}

/**
 * Finds the end of a `%regex%` starting at the cursor (on the opening '%'): the next '%' not escaped by '\'.
 * Returns the offset of the closing '%'.
 */
export function findRegexEnd(cur: Cursor): number {
  const open = cur.pos;
  for (let i = open + 1; i < cur.end; i++) {
    const ch = cur.source[i];
    if (ch === "\\") {
      i++;
      continue;
    }
    if (ch === "%") return i;
  }
  return cur.fail("unterminated regex: add the closing '%'", open);
}
