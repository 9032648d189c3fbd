/**
 * A bounded walk of a tree with lstat: symlinks are never followed, other file systems' pseudo trees
 * (/proc, /sys) are skipped, unreadable folders are counted instead of failing the check, and the event
 * loop gets a turn every few hundred entries.
 *
 * Names are handled as bytes: a file whose name is not valid UTF-8 (a favourite of rootkits, since tools
 * print it garbled) is still stat'ed and reported; the path handed to `visit` is its UTF-8 reading, with
 * U+FFFD for the bytes that are not. The calls are synchronous on purpose: an async lstat per file costs a
 * thread-pool round trip, and walking /usr took minutes that way instead of seconds; a slice of 512
 * synchronous lstats holds the loop for about a millisecond.
 */
import fs, { type Stats } from "node:fs";
import { yieldToEventLoop } from "./finding.js";

export interface WalkOptions {
  /** stop after this many entries (a runaway tree must not run forever) */
  maxEntries?: number;
  /** do not descend into these absolute folders */
  skip?: ReadonlySet<string>;
  signal?: AbortSignal;
}

export interface WalkStats {
  entries: number;
  unreadable: number;
  truncated: boolean;
}

const DEFAULT_MAX_ENTRIES = 2_000_000;
const YIELD_EVERY = 512;
const SLASH = Buffer.from("/");

/** Calls visit(file, lstat) for every entry under each start folder (not the start folders themselves). */
export async function walkTree(
  starts: readonly string[],
  visit: (file: string, st: Stats) => void,
  opts: WalkOptions = {},
): Promise<WalkStats> {
  const max = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const stats: WalkStats = { entries: 0, unreadable: 0, truncated: false };
  const seenDirs = new Set<string>(); // dev:ino, so a bind mount loop is walked once
  const stack: Buffer[] = starts.map((s) => Buffer.from(s.replace(/\/+$/, "") || "/")).reverse();
  while (stack.length > 0) {
    opts.signal?.throwIfAborted();
    const dir = stack.pop() as Buffer;
    let names: Buffer[];
    try {
      const st = fs.lstatSync(dir);
      if (!st.isDirectory()) continue;
      const id = `${st.dev}:${st.ino}`;
      if (seenDirs.has(id)) continue;
      seenDirs.add(id);
      names = fs.readdirSync(dir, { encoding: "buffer" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") stats.unreadable++;
      continue;
    }
    names.sort(Buffer.compare);
    const prefix = dir.length === 1 && dir[0] === SLASH[0] ? dir : Buffer.concat([dir, SLASH]);
    const subdirs: Buffer[] = [];
    for (const name of names) {
      const file = Buffer.concat([prefix, name]);
      let st: Stats;
      try {
        st = fs.lstatSync(file);
      } catch {
        continue; // gone since readdir
      }
      if (++stats.entries > max) {
        stats.truncated = true;
        return stats;
      }
      if (stats.entries % YIELD_EVERY === 0) await yieldToEventLoop(opts.signal);
      const shown = file.toString("utf8");
      visit(shown, st);
      if (st.isDirectory() && !opts.skip?.has(shown)) subdirs.push(file);
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
  return stats;
}
