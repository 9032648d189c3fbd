/**
 * How replay walks its files, shared by the replay loop and its filter thread (which must cut the same
 * batches and see the same clock): the lines of each file, each line's time, and where a stored batch ends.
 */
import fs from "node:fs";
import { UsageError } from "../core/errors.js";
import { chunkEncoding } from "../core/file-lines.js";

/** events per stored batch at most (a new minute ends a batch sooner) */
export const BATCH = 5000;
/** bytes read from a file at a time */
const CHUNK = 1 << 20;
/**
 * lines decoded and handed over at a time: a megabyte's ~9,000 lines decoded at once lived long enough
 * to be copied by the young generation's collections and promoted (the old generation's work)
 */
const YIELD_LINES = 512;

/**
 * Whether the batch so far (`size` lines, the first at `firstTime`) is stored before a line at `time`:
 * a new minute, or a full batch (then due timers, alarm periods and unbans, run before time moves on).
 */
export function endsBatch(size: number, firstTime: number | undefined, time: number): boolean {
  if (size === 0 || firstTime === undefined) return false;
  return size >= BATCH || Math.floor(time / 60_000) !== Math.floor(firstTime / 60_000);
}

/**
 * The lines of a file (without "\n" or "\r\n"), read 1 MiB at a time and decoded line by line, as the
 * file source does, and handed over a few hundred lines at a time: no stream or readline machinery, no
 * promise per line. A generator, so a caller can stop early.
 */
export async function* fileLines(file: string): AsyncGenerator<string[]> {
  const fh = await fs.promises.open(file, "r");
  const buf = Buffer.alloc(CHUNK);
  let carried = 0;
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, carried, buf.length - carried, null);
      const end = carried + bytesRead;
      const encoding = chunkEncoding(buf.subarray(0, end));
      let pos = 0;
      let lines: string[] = [];
      for (let nl = buf.indexOf(10, pos); nl >= 0 && nl < end; nl = buf.indexOf(10, pos)) {
        lines.push(lineText(buf, pos, nl, encoding));
        pos = nl + 1;
        if (lines.length === YIELD_LINES) {
          yield lines;
          lines = [];
        }
      }
      if (bytesRead === 0) {
        if (end > pos) lines.push(lineText(buf, pos, end, encoding));
        yield lines;
        return;
      }
      if (pos === 0 && end === buf.length) {
        // a line longer than the buffer: give what is there as one line (as a source cuts long lines)
        lines.push(lineText(buf, 0, end, encoding));
        yield lines;
        carried = 0;
        continue;
      }
      yield lines;
      buf.copy(buf, 0, pos, end);
      carried = end - pos;
    }
  } finally {
    await fh.close();
  }
}

function lineText(buf: Buffer, start: number, end: number, encoding: BufferEncoding): string {
  return buf.toString(encoding, start, end > start && buf[end - 1] === 13 ? end - 1 : end);
}

/** The time of the first line that has one (where the replay's clock starts). */
export async function firstTimestamp(
  files: string[],
  parse: (l: string, now: number) => number | undefined,
  now: number,
): Promise<number | undefined> {
  for (const file of files) {
    if (!fs.existsSync(file)) throw new UsageError(`${file}: no such file`);
    for await (const lines of fileLines(file)) {
      for (const line of lines) {
        const t = parse(line, now);
        if (t !== undefined) return t;
      }
    }
  }
  return undefined;
}
