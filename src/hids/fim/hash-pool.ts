/**
 * Hashing off the main thread: a small pool of worker threads reads and hashes files, so a scan of /usr
 * never stalls the daemon's ingest, jails and alarms. sha256 is FIM's content hash (what the spec's events
 * carry); md5 is computed only when asked (dpkg's md5sums, for verify_packages).
 *
 * Each file is opened O_NOFOLLOW|O_NONBLOCK and checked with fstat before a byte is read: a path swapped
 * for a symlink, FIFO or device after the walker's lstat is never followed, never blocks, never read.
 * The worker's code is plain JavaScript given as text (eval), so it runs the same from src/ under tsx and
 * from dist/.
 */
import { Worker } from "node:worker_threads";
import { NICE_SOURCE } from "./tree-pool.js";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
${NICE_SOURCE}
niceThisThread(workerData.nice);
const fs = require("node:fs");
const crypto = require("node:crypto");
const CHUNK = 1 << 20;
const buf = Buffer.allocUnsafe(CHUNK);
function hashOne(job) {
  const file = Buffer.from(job.path.buffer, job.path.byteOffset, job.path.byteLength);
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.ino !== job.inode) return { id: job.id, raced: true };
    const sha = job.sha256 ? crypto.createHash("sha256") : undefined;
    const md5 = job.md5 ? crypto.createHash("md5") : undefined;
    let bytes = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      if (sha) sha.update(chunk);
      if (md5) md5.update(chunk);
      bytes += n;
    }
    return { id: job.id, bytes, sha256: sha && sha.digest("hex"), md5: md5 && md5.digest("hex") };
  } catch (err) {
    return { id: job.id, code: (err && err.code) || "EIO", message: String(err && err.message) };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
parentPort.on("message", (batch) => {
  parentPort.postMessage(batch.map(hashOne));
});
`;

export interface HashResult {
  /** bytes read */
  bytes?: number;
  sha256?: string;
  md5?: string;
  /** the path is no longer the regular file the walker saw (replaced between lstat and open) */
  raced?: boolean;
  /** errno code when the file could not be opened or read: ENOENT (vanished), EACCES, ELOOP... */
  code?: string;
  message?: string;
}

/** Most files handed to one worker in one message. */
const MAX_BATCH = 32;
/** Batches a worker may hold at once: the one it hashes and the next. */
const MAX_OUTSTANDING = 2;

interface Job {
  id: number;
  path: Buffer;
  inode: number;
  sha256: boolean;
  md5: boolean;
  resolve: (r: HashResult) => void;
}

export class HashPool {
  private readonly all: Worker[] = [];
  private readonly queue: Job[] = [];
  /** batches sent to each worker and not answered yet, oldest first (answers come back in order) */
  private readonly sent = new Map<Worker, Job[][]>();
  private nextId = 1;
  private closed = false;

  /** nice: the threads' niceness (0: as the process) */
  constructor(
    private readonly size: number,
    private readonly nice = 0,
  ) {}

  /** Hashes one regular file (identified by its inode from the walker's lstat). */
  hash(path: Buffer, inode: number, want: { sha256?: boolean; md5?: boolean } = { sha256: true }) {
    if (this.closed) return Promise.resolve<HashResult>({ code: "ECANCELED", message: "scan stopped" });
    return new Promise<HashResult>((resolve) => {
      this.queue.push({
        id: this.nextId++,
        path,
        inode,
        sha256: want.sha256 ?? false,
        md5: want.md5 ?? false,
        resolve,
      });
      this.pump();
    });
  }

  /** Jobs queued or running. */
  get pending(): number {
    let running = 0;
    for (const batches of this.sent.values()) for (const b of batches) running += b.length;
    return this.queue.length + running;
  }

  /**
   * Hands queued jobs to workers in batches: one message (and one thread wake-up) each way per batch
   * instead of per file. Per-file messages cost more CPU than hashing /usr's many small files (measured
   * by bench/fim.ts: 6.5 CPU-s vs 3.1 for the same 60,000 files hashed in one thread). Each worker holds
   * up to MAX_OUTSTANDING batches, so it starts the next one without waiting for the main thread to be
   * scheduled (on a loaded host that wait, not hashing, set the pace).
   */
  private pump(): void {
    while (this.queue.length > 0 && this.all.length < this.size) this.spawn();
    while (this.queue.length > 0) {
      let w: Worker | undefined;
      let least = MAX_OUTSTANDING;
      let slots = 0;
      for (const x of this.all) {
        const n = this.sent.get(x)?.length ?? 0;
        slots += MAX_OUTSTANDING - n;
        if (n < least) [w, least] = [x, n];
      }
      if (!w) return;
      const take = Math.min(MAX_BATCH, Math.ceil(this.queue.length / Math.max(1, slots)));
      const batch = this.queue.splice(0, take);
      this.sent.get(w)?.push(batch);
      w.postMessage(
        batch.map((job) => ({
          id: job.id,
          path: new Uint8Array(job.path),
          inode: job.inode,
          sha256: job.sha256,
          md5: job.md5,
        })),
      );
    }
  }

  private spawn(): void {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { nice: this.nice } });
    w.unref();
    this.sent.set(w, []);
    w.on("message", (results: Array<HashResult & { id: number }>) => {
      const batch = this.sent.get(w)?.shift() ?? [];
      batch.forEach((job, i) => {
        const { id: _id, ...result } = results[i] ?? { id: 0, code: "EWORKER", message: "no result" };
        job.resolve(result);
      });
      this.pump();
    });
    w.on("error", (err) => this.fail(w, err));
    w.on("exit", () => this.fail(w, new Error("hash worker exited")));
    this.all.push(w);
  }

  private fail(w: Worker, err: Error): void {
    const batches = this.sent.get(w) ?? [];
    this.sent.delete(w);
    const i = this.all.indexOf(w);
    if (i >= 0) this.all.splice(i, 1);
    for (const batch of batches)
      for (const job of batch) job.resolve({ code: "EWORKER", message: err.message });
    if (!this.closed) this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ code: "ECANCELED", message: "scan stopped" });
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
