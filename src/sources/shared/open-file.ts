/**
 * Opening a file a source found in a watched tree. mamori runs as root and the trees are often writable
 * by others (an application's log folder), so a name in them is not trusted:
 * - it is opened O_NONBLOCK | O_NOFOLLOW and the descriptor fstat'ed: a FIFO, socket or device swapped
 *   in for a log file is refused at once (a blocking open of a FIFO hangs forever);
 * - a symlink is followed only to a target inside the watched tree, unless the source sets
 *   `follow_symlinks: true`; and never to a file the link's owner could not read themselves (else
 *   `evil.log -> /etc/shadow` made by any user copies the shadow file into the store).
 * Refusals are RefusedFileError, with the reason and what to do.
 */
import fs from "node:fs";
import { type FileHandle, lstat, open, realpath, stat } from "node:fs/promises";
import path from "node:path";

const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW } = fs.constants;

export interface SymlinkPolicy {
  /** symlinks may point out of their watched tree (still only to files their owner can read) */
  followSymlinks: boolean;
}

/** A file a source will not read, and why. */
export class RefusedFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: refused: ${reason}`);
    this.name = "RefusedFileError";
  }
}

export interface OpenedFile {
  fh: FileHandle;
  /** fstat of the descriptor: what was actually opened */
  st: fs.Stats;
}

/**
 * Opens `file` (found under the watched directory `root`) for reading, or rejects with a
 * RefusedFileError (other errors, e.g. ENOENT, as they are).
 */
export async function openWatchedFile(
  file: string,
  root: string,
  policy: SymlinkPolicy,
): Promise<OpenedFile> {
  const link = await lstat(file);
  let target = file;
  if (link.isSymbolicLink()) {
    target = await realpath(file);
    if (!policy.followSymlinks) {
      const realRoot = await realpath(root).catch(() => root);
      if (!isInside(target, realRoot)) {
        throw new RefusedFileError(
          file,
          `a symlink out of its watched tree (to ${target}); set follow_symlinks: true on the source to read such links`,
        );
      }
    }
  }
  const fh = await openNoFollow(file, target);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new RefusedFileError(file, `not a regular file (${kindOf(st)})`);
    if (link.isSymbolicLink() && !(await canRead(link, target, st))) {
      throw new RefusedFileError(
        file,
        `a symlink owned by uid ${link.uid} to ${target}, which that user may not read`,
      );
    }
    return { fh, st };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

async function openNoFollow(file: string, target: string): Promise<FileHandle> {
  try {
    return await open(target, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") {
      throw new RefusedFileError(file, "it was replaced by a symlink while being opened");
    }
    throw err;
  }
}

function isInside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isDirectory()) return "a directory";
  return "not a file";
}

interface Owner {
  uid: number;
  gid: number;
}

/**
 * Whether the link's owner could read the opened file: read permission on it and search permission on
 * every directory above it, by owner, primary group (the link's gid) or others. Supplementary groups
 * are not known here, so a link made by a user who reads the file only through one is refused
 * (fail closed; a link made by root is always followed).
 */
async function canRead(owner: Owner, target: string, st: fs.Stats): Promise<boolean> {
  if (owner.uid === 0) return true;
  if (!allowed(owner, st, 4)) return false;
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    const d = await stat(dir).catch(() => undefined);
    if (!d || !allowed(owner, d, 1)) return false;
    if (dir === "/") return true;
  }
}

/** Unix permission check for one bit (4 read, 1 search): owner class first, then group, then others. */
function allowed(who: Owner, st: { uid: number; gid: number; mode: number }, bit: number): boolean {
  if (st.uid === who.uid) return (st.mode & (bit << 6)) !== 0;
  if (st.gid === who.gid) return (st.mode & (bit << 3)) !== 0;
  return (st.mode & bit) !== 0;
}
