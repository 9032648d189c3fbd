/**
 * Turns a walked entry into the record FIM stores: a symlink's target is read (not followed), a regular
 * file is hashed in the pool unless it is over max_hash_size, anything else is described by lstat alone.
 */
import { lstat, readlink } from "node:fs/promises";
import type { HashPool } from "./hash-pool.js";
import { displayPath } from "./names.js";
import { type FileRecord, recordOf } from "./record.js";
import type { WalkEntry } from "./walk.js";

export interface Observed {
  record: FileRecord;
  /** bytes read to hash it */
  bytes: number;
}

/** how often a file that changes while it is looked at is looked at again */
const ATTEMPTS = 3;

/** undefined when the path vanished meanwhile. */
export async function observe(
  entry: Pick<WalkEntry, "bytes" | "stat" | "listError">,
  pool: HashPool,
  maxHashSize: number,
): Promise<Observed | undefined> {
  let st = entry.stat;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const record = recordOf(st);
    if (entry.listError) record.unhashed = entry.listError;
    if (record.type === "symlink") {
      try {
        record.link = displayPath(await readlink(entry.bytes, { encoding: "buffer" }));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        if ((err as NodeJS.ErrnoException).code !== "EINVAL") throw err;
      }
      return { record, bytes: 0 };
    }
    if (record.type !== "file") return { record, bytes: 0 };
    if (st.size > maxHashSize) {
      record.unhashed = "too_large";
      return { record, bytes: 0 };
    }
    const r = await pool.hash(entry.bytes, st.ino);
    // a file written while it was looked at (truncated, then written: most editors and `cp`) can be
    // seen at one size by lstat and read at another: a record with the old size and the new hash would
    // be a change nobody made. Look again; the last attempt keeps what it read (a file whose size never
    // matches what it holds, as under /proc, is hashed as before).
    if (r.sha256 !== undefined && (r.bytes === st.size || attempt === ATTEMPTS - 1)) {
      record.sha256 = r.sha256;
      return { record, bytes: r.bytes ?? 0 };
    }
    if (r.code === "ENOENT") return undefined;
    if (r.sha256 === undefined && !r.raced && r.code !== "ELOOP") {
      record.unhashed = r.code ?? "EIO";
      return { record, bytes: 0 };
    }
    // replaced between lstat and open, or written while read: look again
    try {
      st = await lstat(entry.bytes);
    } catch {
      return undefined;
    }
  }
  const record = recordOf(st);
  record.unhashed = "changing";
  return { record, bytes: 0 };
}
