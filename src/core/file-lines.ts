/**
 * The lines of a file, read in chunks into one reused buffer: a big log is never held whole (on this kind
 * of host, memory touched for the first time costs more than decoding it), and each chunk is decoded once.
 * Lines are split at "\n" only, and given without it; the text is decoded as UTF-8 the way
 * readFileSync(file, "utf8") does (a chunk always ends at a "\n" byte, which is never inside a multi-byte
 * sequence, so invalid bytes become U+FFFD exactly as in one whole decode). A last line without "\n" is
 * given too; an empty file gives no line.
 *
 * A byte range [from, to) gives the lines of that part alone: cut right after a "\n" (see lineStartNear),
 * the lines of [0, cut) and of [cut, end) are together the lines of the whole file.
 */
import { isAscii } from "node:buffer";
import { closeSync, openSync, readSync } from "node:fs";

const CHUNK = 1 << 17;
const NL = 10;

export interface ByteRange {
  /** first byte (default 0) */
  from?: number;
  /** end (exclusive; default: the end of the file) */
  to?: number;
}

export function eachLineOfFile(file: string, onLine: (line: string) => void, range: ByteRange = {}): void {
  const reader = new LineReader(file, range);
  try {
    for (let lines = reader.nextLines(); lines !== undefined; lines = reader.nextLines()) {
      for (const line of lines) onLine(line);
    }
  } finally {
    reader.close();
  }
}

/** The lines of a file (or of a byte range of it) pulled a chunk at a time; close() when done. */
export class LineReader {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(CHUNK);
  /** bytes of an unfinished line kept at the start of buf */
  private kept = 0;
  private pos: number;
  private readonly to: number;
  private done = false;

  constructor(file: string, range: ByteRange = {}) {
    this.fd = openSync(file, "r");
    this.pos = range.from ?? 0;
    this.to = range.to ?? Number.POSITIVE_INFINITY;
  }

  /** The lines of the next chunk (at least one), or undefined at the end. */
  nextLines(): string[] | undefined {
    if (this.done) return undefined;
    for (;;) {
      let buf = this.buf;
      const kept = this.kept;
      if (kept === buf.length) {
        // a line longer than the buffer: grow it
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, kept);
        buf = bigger;
        this.buf = bigger;
      }
      const want = Math.min(buf.length - kept, this.to - this.pos);
      const n = want > 0 ? readSync(this.fd, buf, kept, want, this.pos) : 0;
      this.pos += n;
      const end = kept + n;
      if (n === 0) {
        this.done = true;
        return end > 0 ? [decode(buf, end)] : undefined;
      }
      const last = buf.lastIndexOf(NL, end - 1);
      if (last < 0) {
        this.kept = end;
        continue;
      }
      const lines = decode(buf, last).split("\n");
      this.kept = end - last - 1;
      buf.copy(buf, 0, last + 1, end);
      return lines;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * How to decode a chunk read from a log: ASCII only (most logs) gives the same strings read as latin1,
 * which skips UTF-8 decoding (about a third of the time); anything else is UTF-8.
 */
export function chunkEncoding(bytes: Uint8Array): "latin1" | "utf8" {
  return isAscii(bytes) ? "latin1" : "utf8";
}

/** The text of buf[0, end). */
function decode(buf: Buffer, end: number): string {
  const bytes = buf.subarray(0, end);
  return bytes.toString(chunkEncoding(bytes));
}

/** The offset right after the first "\n" at or after `at` (the start of a line), or undefined if none. */
export function lineStartNear(file: string, at: number): number | undefined {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    for (let pos = at; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return undefined;
      const i = buf.subarray(0, n).indexOf(NL);
      if (i >= 0) return pos + i + 1;
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}
