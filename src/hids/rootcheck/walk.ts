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

/** A folder's entries; names that are not valid UTF-8 are read again as bytes (the string would not open). */
function readEntries(
  dir: string | Buffer,
): Array<{ path: string | Buffer; shown: string; dirent: fs.Dirent }> {
  const entries = fs.readdirSync(dir as string, { withFileTypes: true });
  const join = (name: string | Buffer) =>
    typeof dir === "string" && typeof name === "string"
      ? `${dir === "/" ? "" : dir}/${name}`
      : Buffer.concat([Buffer.from(dir), Buffer.from(dir === "/" ? "" : "/"), Buffer.from(name)]);
  if (typeof dir === "string" && !entries.some((e) => e.name.includes("\ufffd")))
    return entries.map((dirent) => ({ path: join(dirent.name), shown: join(dirent.name) as string, dirent }));
  const raw = fs.readdirSync(dir as string, { withFileTypes: true, encoding: "buffer" }) as unknown as Array<
    fs.Dirent & { name: Buffer }
  >;
  return raw.map((dirent) => {
    const p = join(dirent.name);
    const shown = p.toString();
    // a valid name goes on as a string, so only the odd subtree pays for Buffer paths
    return { path: Buffer.from(shown).equals(Buffer.from(p)) ? shown : p, shown, dirent };
  });
}

/**
 * Calls visit(file, lstat) for every regular file and folder under each start folder (not the start
 * folders themselves); links, sockets, FIFOs and device nodes are counted but not stat'ed.
 */
export async function walkTree(
  starts: readonly string[],
  visit: (file: string, st: Stats) => void,
  opts: WalkOptions = {},
): Promise<WalkStats> {
  const max = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const stats: WalkStats = { entries: 0, unreadable: 0, truncated: false };
  const seenDirs = new Set<string>(); // dev:ino, so a bind mount loop is walked once
  const stack: Array<string | Buffer> = starts.map((s) => s.replace(/\/+$/, "") || "/").reverse();
  while (stack.length > 0) {
    opts.signal?.throwIfAborted();
    const dir = stack.pop() as string | Buffer;
    let entries: ReturnType<typeof readEntries>;
    try {
      const st = fs.lstatSync(dir);
      if (!st.isDirectory()) continue;
      const id = `${st.dev}:${st.ino}`;
      if (seenDirs.has(id)) continue;
      seenDirs.add(id);
      entries = readEntries(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") stats.unreadable++;
      continue;
    }
    entries.sort((a, b) => (a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0));
    const subdirs: Array<string | Buffer> = [];
    for (const { path, shown, dirent } of entries) {
      if (++stats.entries > max) {
        stats.truncated = true;
        return stats;
      }
      if (stats.entries % YIELD_EVERY === 0) await yieldToEventLoop(opts.signal);
      const typed = dirent.isFile() || dirent.isDirectory();
      const unknown =
        !typed &&
        !dirent.isSymbolicLink() &&
        !dirent.isBlockDevice() &&
        !dirent.isCharacterDevice() &&
        !dirent.isFIFO() &&
        !dirent.isSocket();
      if (!typed && !unknown) continue;
      const st = fs.lstatSync(path, { throwIfNoEntry: false });
      if (!st) continue; // gone since readdir
      visit(shown, st);
      if (st.isDirectory() && !opts.skip?.has(shown)) subdirs.push(path);
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
  return stats;
}
