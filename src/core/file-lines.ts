/**
 * The lines of a file, read in chunks into one reused buffer: a big log is never held whole (on this kind
 * of host, memory touched for the first time costs more than decoding it), and each chunk is decoded once.
 * Lines are split at "\n" only, and given without it; the text is decoded as UTF-8 the way
 * readFileSync(file, "utf8") does (a chunk always ends at a "\n" byte, which is never inside a multi-byte
 * sequence, so invalid bytes become U+FFFD exactly as in one whole decode). A last line without "\n" is
 * given too; an empty file gives no line.
 */
import { closeSync, openSync, readSync } from "node:fs";

const CHUNK = 1 << 17;
const NL = 10;

export function eachLineOfFile(file: string, onLine: (line: string) => void): void {
  const fd = openSync(file, "r");
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    /** bytes of an unfinished line kept at the start of buf */
    let kept = 0;
    for (;;) {
      if (kept === buf.length) {
        // a line longer than the buffer: grow it
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, kept);
        buf = bigger;
      }
      const n = readSync(fd, buf, kept, buf.length - kept, null);
      const end = kept + n;
      if (n === 0) {
        if (end > 0) onLine(buf.toString("utf8", 0, end));
        return;
      }
      const last = buf.lastIndexOf(NL, end - 1);
      if (last < 0) {
        kept = end;
        continue;
      }
      const text = buf.toString("utf8", 0, last);
      let from = 0;
      for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", from)) {
        onLine(text.slice(from, at));
        from = at + 1;
      }
      onLine(text.slice(from));
      kept = end - last - 1;
      buf.copy(buf, 0, last + 1, end);
    }
  } finally {
    closeSync(fd);
  }
}
