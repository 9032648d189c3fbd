/**
 * Walks a watched tree with lstat only: symlinks are entries (never followed, so never out of the tree),
 * FIFOs, sockets and devices are entries (never opened). A path that vanishes between readdir and lstat is
 * simply not there; a folder that cannot be listed is an entry with its error (reported, not skipped).
 */
import type { Stats } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import type { IgnoreTest } from "./ignore.js";
import { displayPath, joinBytes } from "./names.js";

export interface WalkEntry {
  bytes: Buffer;
  path: string;
  stat: Stats;
  /** set when a folder could not be listed (EACCES...) */
  listError?: string;
}

const gone = (err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
};

/** Every entry at `start` and below it (start itself first), depth first, in name order per folder. */
export async function* walkTree(start: Buffer, ignored: IgnoreTest): AsyncGenerator<WalkEntry> {
  let st: Stats;
  try {
    st = await lstat(start);
  } catch (err) {
    if (gone(err)) return;
    throw err;
  }
  const stack: WalkEntry[] = [{ bytes: start, path: displayPath(start), stat: st }];
  while (stack.length > 0) {
    const e = stack.pop() as WalkEntry;
    if (!e.stat.isDirectory()) {
      yield e;
      continue;
    }
    let names: Buffer[];
    try {
      names = await readdir(e.bytes, { encoding: "buffer" });
    } catch (err) {
      if (gone(err)) continue;
      yield { ...e, listError: (err as NodeJS.ErrnoException).code ?? "EIO" };
      continue;
    }
    yield e;
    names.sort(Buffer.compare);
    const children: WalkEntry[] = [];
    for (const name of names) {
      const bytes = joinBytes(e.bytes, name);
      const p = displayPath(bytes);
      if (ignored(p)) continue;
      try {
        children.push({ bytes, path: p, stat: await lstat(bytes) });
      } catch (err) {
        if (!gone(err)) throw err;
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}
