/**
 * A baseline's tree walk in worker threads: each worker lists a folder, lstats its entries, reads symlink
 * targets and hashes regular files, and hands the main thread finished baseline rows (display path and
 * record JSON) in compact flat arrays. The main thread only hands out folders and commits rows: a
 * profile of a baseline of 60,000 files had it busy 2.5 s with lstat, records, JSON and per-file
 * messages while the hashing workers waited on it (bench/fim.ts).
 *
 * Folders are shared out one per job from a stack (depth first, so memory stays bounded); a worker
 * reports a folder's subfolders before it hashes the folder's files, so the other workers never wait for
 * work. The rules are walk.ts's and observe.ts's: symlinks never followed, FIFOs and devices never opened
 * (O_NOFOLLOW|O_NONBLOCK, fstat before a byte is read), a path that vanished is skipped, a folder that
 * cannot be listed is a row with its error. The worker is plain JavaScript text (eval, as in
 * hash-pool.ts) with the display-path and record functions spliced in from their modules, so there is
 * one definition of each.
 */
import os from "node:os";
import { Worker } from "node:worker_threads";
import { ignorePatterns } from "./ignore.js";
import { displayPath, sequenceLength } from "./names.js";
import { fileTypeOf, recordOf } from "./record.js";

/**
 * Lowers this thread's priority (Linux: setpriority on the thread's own id from /proc/thread-self), so the
 * daemon's event loop (ingest, jails, alarms) runs first when the CPUs are busy. Best effort.
 */
export const NICE_SOURCE = `
function niceThisThread(nice) {
  if (!nice) return;
  try {
    const tid = Number(require("node:fs").readlinkSync("/proc/thread-self").split("/").pop());
    if (tid > 0) require("node:os").setPriority(tid, nice);
  } catch {}
}
`;

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const crypto = require("node:crypto");
const BACKSLASH = 0x5c;
${sequenceLength}
${displayPath}
${fileTypeOf}
${recordOf}
${NICE_SOURCE}
const { maxHashSize, whole, names, nice } = workerData;
niceThisThread(nice);
const wholeRe = whole.map((s) => new RegExp(s, "s"));
const nameRe = names.map((s) => new RegExp(s, "s"));
function ignored(p) {
  if (wholeRe.some((r) => r.test(p))) return true;
  if (nameRe.length === 0) return false;
  const name = p.slice(p.lastIndexOf("/") + 1);
  return nameRe.some((r) => r.test(name));
}
const CHUNK = 1 << 20;
const buf = Buffer.allocUnsafe(CHUNK);
const ONE_SHOT = typeof crypto.hash === "function";
const SLASH = Buffer.from("/");
const FLUSH_AT = 512;
const gone = (err) => err && (err.code === "ENOENT" || err.code === "ENOTDIR");
const join = (dir, name) =>
  dir.length > 0 && dir[dir.length - 1] === 0x2f ? Buffer.concat([dir, name]) : Buffer.concat([dir, SLASH, name]);
function lstat(file) {
  try {
    return fs.lstatSync(file, { throwIfNoEntry: false });
  } catch (err) {
    if (gone(err)) return undefined;
    throw err;
  }
}
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
/** sha256 and length of what an open file holds now */
function hashFd(fd) {
  let n = fs.readSync(fd, buf, 0, CHUNK, null);
  // a short read is the end of a regular file (no second read() to be told so): most files fit in one
  // read and are hashed in one call, without a Hash object (crypto.hash: node >= 20.12)
  if (n < CHUNK && ONE_SHOT) return { bytes: n, sha256: crypto.hash("sha256", buf.subarray(0, n), "hex") };
  const sha = crypto.createHash("sha256");
  let bytes = 0;
  while (n > 0) {
    sha.update(n === CHUNK ? buf : buf.subarray(0, n));
    bytes += n;
    if (n < CHUNK) break;
    n = fs.readSync(fd, buf, 0, CHUNK, null);
  }
  return { bytes, sha256: sha.digest("hex") };
}
/** sha256 of the regular file lstat saw, or why not: raced (replaced meanwhile) or an errno code */
function hash(file, ino) {
  let fd;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.ino !== ino) return { raced: true };
    return hashFd(fd);
  } catch (err) {
    return { code: (err && err.code) || "EIO" };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
let out = "";
let count = 0;
/** one row: display path, record JSON, bytes hashed, flags (1: unhashed, 2: regular file), each ending
 * in NUL (never in a path, escaped in JSON): one string per message is one copy, not thousands */
function emit(p, record, bytes) {
  const flags = (record.unhashed ? 1 : 0) | (record.type === "file" ? 2 : 0);
  out += p + "\0" + JSON.stringify(record) + "\0" + bytes + "\0" + flags + "\0";
  count++;
}
function post(id, done, subdirs) {
  parentPort.postMessage({ id, done, rows: out, subdirs });
  out = "";
  count = 0;
}
/** observe.ts's rules for one non-folder entry; false when it vanished */
function observe(file, p, st) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const record = recordOf(st);
    if (record.type === "symlink") {
      try {
        record.link = displayPath(fs.readlinkSync(file, { encoding: "buffer" }));
      } catch (err) {
        if (err.code === "ENOENT") return false;
        if (err.code !== "EINVAL") throw err;
      }
      emit(p, record, 0);
      return true;
    }
    if (record.type !== "file") {
      emit(p, record, 0);
      return true;
    }
    if (st.size > maxHashSize) {
      record.unhashed = "too_large";
      emit(p, record, 0);
      return true;
    }
    const r = hash(file, st.ino);
    if (r.sha256 !== undefined) {
      record.sha256 = r.sha256;
      emit(p, record, r.bytes);
      return true;
    }
    if (r.code === "ENOENT") return false;
    if (!r.raced && r.code !== "ELOOP") {
      record.unhashed = r.code;
      emit(p, record, 0);
      return true;
    }
    st = lstat(file);
    if (!st) return false;
  }
  const record = recordOf(st);
  record.unhashed = "changing";
  emit(p, record, 0);
  return true;
}
/**
 * A regular file opened without an lstat first (O_NOFOLLOW|O_NONBLOCK: a symlink fails with ELOOP, a
 * FIFO never blocks, and fstat says what it is before a byte is read). false when it is something else
 * now, or could not be opened: the lstat path decides then. true when it vanished or its row is out.
 */
function regular(file, p) {
  let fd;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (err) {
    return err.code === "ENOENT";
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return false;
    const record = recordOf(st);
    if (st.size > maxHashSize) {
      record.unhashed = "too_large";
      emit(p, record, 0);
      return true;
    }
    let r;
    try {
      r = hashFd(fd);
    } catch (err) {
      record.unhashed = err.code || "EIO";
      emit(p, record, 0);
      return true;
    }
    record.sha256 = r.sha256;
    emit(p, record, r.bytes);
    return true;
  } finally {
    fs.closeSync(fd);
  }
}
/** lists one folder (or observes one path that is no folder): its row, its files' rows, its subfolders;
 * rows are posted when FLUSH_AT of them are ready and when the job ends */
function visit(id, dir) {
  const p = displayPath(dir);
  const st = lstat(dir);
  if (!st) return;
  if (!st.isDirectory()) {
    observe(dir, p, st);
    return;
  }
  let entries;
  try {
    entries = fs.readdirSync(dir, { encoding: "buffer", withFileTypes: true });
  } catch (err) {
    if (gone(err)) return;
    const record = recordOf(st);
    record.unhashed = err.code || "EIO";
    emit(p, record, 0);
    return;
  }
  emit(p, recordOf(st), 0);
  entries.sort((a, b) => Buffer.compare(a.name, b.name));
  const subdirs = [];
  const files = [];
  for (const d of entries) {
    const file = join(dir, d.name);
    const fp = displayPath(file);
    if (ignored(fp)) continue;
    if (d.isDirectory()) subdirs.push(new Uint8Array(file));
    else files.push(file, fp, d.isFile());
  }
  // subfolders go out before this folder's files are hashed: another worker may be waiting for work
  if (subdirs.length > 0) post(id, false, subdirs);
  const late = [];
  for (let i = 0; i < files.length; i += 3) {
    if (count >= FLUSH_AT) post(id, false, []);
    const file = files[i];
    // readdir says regular file: open it first, its fstat is its record (one lstat fewer per file)
    if (files[i + 2] && regular(file, files[i + 1])) continue;
    const st = lstat(file);
    // a file system without d_type, or a name replaced since readdir: a folder is listed as its own job
    if (!st) continue;
    if (st.isDirectory()) late.push(new Uint8Array(file));
    else observe(file, files[i + 1], st);
  }
  if (late.length > 0) post(id, false, late);
}
parentPort.on("message", (job) => {
  try {
    for (const path of job.paths) visit(job.id, Buffer.from(path.buffer, path.byteOffset, path.byteLength));
    post(job.id, true, []);
  } catch (err) {
    out = "";
    count = 0;
    parentPort.postMessage({ id: job.id, done: true, error: String((err && err.message) || err) });
  }
});
`;

/**
 * Rows of finished entries, flat: display path, record JSON, bytes hashed (as text), flags (ROW_* bits,
 * as text): the worker's NUL-separated message split once.
 */
export type TreeRows = string[];
export const ROW_WIDTH = 4;
export const ROW_UNHASHED = 1;
export const ROW_FILE = 2;

interface Answer {
  id: number;
  done: boolean;
  rows?: string;
  subdirs?: Uint8Array[];
  error?: string;
}

/** Jobs a worker may hold at once: the one it walks and the next. */
const MAX_OUTSTANDING = 2;
/** Most folders in one job: a message each way per job, not per folder (most folders hold few files). */
const MAX_FOLDERS_PER_JOB = 8;

export interface TreeWalkOptions {
  workers: number;
  maxHashSize: number;
  ignore: readonly string[];
  /** niceness of the walking threads (0: as the process) */
  nice?: number;
  /** stops the walk: its threads are terminated at once, mid-file (the scanner is closing) */
  signal?: AbortSignal;
}

/**
 * Walks `start` (path bytes) in `workers` threads, yielding batches of rows as they come; the workers
 * exist for this walk only. Folders are handed out only while the consumer pulls, so a consumer that
 * waits (a commit, max_io pacing) holds the walk back.
 */
export async function* walkInWorkers(start: Buffer, o: TreeWalkOptions): AsyncGenerator<TreeRows> {
  const { whole, names } = ignorePatterns(o.ignore);
  const stack: Uint8Array[] = [new Uint8Array(start)];
  const ready: string[] = [];
  const outstanding = new Map<Worker, number>();
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let nextId = 1;
  const workers: Worker[] = [];
  const onAnswer = (w: Worker) => (a: Answer) => {
    if (a.error) failure ??= new Error(`fim walk: ${a.error}`);
    if (a.rows) ready.push(a.rows);
    // subfolders in name order come off the stack first
    if (a.subdirs) for (let i = a.subdirs.length - 1; i >= 0; i--) stack.push(a.subdirs[i]);
    if (a.done) outstanding.set(w, (outstanding.get(w) ?? 1) - 1);
    wake?.();
  };
  const spawn = () => {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { maxHashSize: o.maxHashSize, whole, names, nice: o.nice ?? 0 },
    });
    w.unref();
    outstanding.set(w, 0);
    w.on("message", onAnswer(w));
    w.on("error", (err) => {
      failure ??= err;
      wake?.();
    });
    w.on("exit", (code) => {
      if (outstanding.has(w)) failure ??= new Error(`fim walk: a worker exited (${code})`);
      wake?.();
    });
    workers.push(w);
  };
  const dispatch = () => {
    while (stack.length > 0) {
      if (workers.length < o.workers && [...outstanding.values()].every((n) => n > 0)) spawn();
      let w: Worker | undefined;
      let least = MAX_OUTSTANDING;
      for (const [x, n] of outstanding) if (n < least) [w, least] = [x, n];
      if (!w) return;
      outstanding.set(w, least + 1);
      // shares out what the stack holds so that every worker slot gets some
      const take = Math.min(MAX_FOLDERS_PER_JOB, Math.ceil(stack.length / (o.workers * MAX_OUTSTANDING)));
      w.postMessage({ id: nextId++, paths: stack.splice(stack.length - take, take).reverse() });
    }
  };
  // one thread per CPU starts at once: their start-ups (tens of ms each) run side by side and overlap
  // the first folder's listing instead of following it (more at once only slow the first one down);
  // more start as work appears
  for (let i = 0; i < Math.min(o.workers, os.availableParallelism()); i++) spawn();
  const stop = () => wake?.();
  o.signal?.addEventListener("abort", stop);
  try {
    for (;;) {
      if (o.signal?.aborted) return;
      if (failure) throw failure;
      dispatch();
      const rows = ready.shift();
      if (rows) {
        // the last field ends in NUL too: split leaves one empty string after it
        yield rows.split("\0").slice(0, -1);
        continue;
      }
      if (stack.length === 0 && [...outstanding.values()].every((n) => n === 0)) return;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  } finally {
    o.signal?.removeEventListener("abort", stop);
    outstanding.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
