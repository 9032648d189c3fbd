/**
 * What FIM remembers of one path (a baseline row) and how two of them compare. Values are kept in the
 * form events show them (mode "0644", times ISO 8601), so `before`/`after` are the rows' own values.
 */
import type { Stats } from "node:fs";
import type { FimAttribute } from "./config.js";

export type FileType = "file" | "directory" | "symlink" | "fifo" | "socket" | "char" | "block";

export interface FileRecord {
  type: FileType;
  size: number;
  mode: string;
  uid: number;
  gid: number;
  mtime: string;
  ctime: string;
  inode: number;
  /** a symlink's target (display form); never followed */
  link?: string;
  /** regular files that could be read and are not over max_hash_size */
  sha256?: string;
  /**
   * extended attributes as sorted `name=0xHEX` lines ("" for none), read only when `xattrs` is among the
   * attributes; undefined when unknown, which never counts as a change (xattrs.ts)
   */
  xattrs?: string;
  /** why the content could not be hashed: "EACCES", "too_large", ... (reported once, when it starts) */
  unhashed?: string;
}

export function fileTypeOf(st: Stats): FileType {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  if (st.isCharacterDevice()) return "char";
  return "block";
}

export function recordOf(st: Stats): FileRecord {
  return {
    type: fileTypeOf(st),
    size: st.size,
    mode: (st.mode & 0o7777).toString(8).padStart(4, "0"),
    uid: st.uid,
    gid: st.gid,
    mtime: new Date(st.mtimeMs).toISOString(),
    ctime: new Date(st.ctimeMs).toISOString(),
    inode: st.ino,
  };
}

/** A directory's size and times move whenever an entry is added or removed: that is the entry's event. */
const DIRECTORY_NOISE = new Set<FimAttribute>(["size", "mtime", "ctime"]);
/** Content-like attributes: a change of one of these makes the change "modified". */
const CONTENT = new Set<FimAttribute>(["sha256", "type", "link"]);

export interface Comparison {
  change: "modified" | "attributes";
  changed: FimAttribute[];
}

/** What differs between a baseline row and the path now, among the configured attributes. */
export function compareRecords(
  before: FileRecord,
  after: FileRecord,
  attributes: readonly FimAttribute[],
  growing = false,
): Comparison | undefined {
  const changed: FimAttribute[] = [];
  const bothDirs = before.type === "directory" && after.type === "directory";
  for (const a of attributes) {
    if (bothDirs && DIRECTORY_NOISE.has(a)) continue;
    if (before[a] === after[a]) continue;
    if (a === "xattrs" && (before.xattrs === undefined || after.xattrs === undefined)) continue;
    if (a === "sha256" && (before.unhashed || after.unhashed) && before.type === after.type) continue;
    changed.push(a);
  }
  if (changed.length === 0) return undefined;
  if (growing && before.type === "file" && after.type === "file" && after.size >= before.size) {
    // appended to: growth, its new hash and times are not changes; anything else still is
    const rest = changed.filter((a) => a !== "size" && a !== "sha256" && a !== "mtime" && a !== "ctime");
    if (rest.length === 0) return undefined;
    return { change: rest.some((a) => CONTENT.has(a)) ? "modified" : "attributes", changed: rest };
  }
  return { change: changed.some((a) => CONTENT.has(a)) ? "modified" : "attributes", changed };
}

/** The listed attributes of a row, for an event's before/after. */
export function pick(r: FileRecord, attrs: readonly FimAttribute[]): Partial<FileRecord> {
  const out: Record<string, unknown> = {};
  for (const a of attrs) if (r[a] !== undefined) out[a] = r[a];
  return out as Partial<FileRecord>;
}
