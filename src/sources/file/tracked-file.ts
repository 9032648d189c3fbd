/**
 * One file being read, by its identity (device + inode) rather than by its name, so a rename (rotation)
 * does not restart it. Reads large chunks at an explicit position, splits lines on "\n" (a trailing "\r"
 * is dropped) and keeps a partial last line until its newline arrives. `offset` is always the position
 * just after the last line handed out: that is what a checkpoint stores, so a restart re-reads a partial
 * line instead of losing it. A line over 256 KiB is cut there (head emitted, counted) and the rest up to
 * its newline skipped; `skipping` is part of the checkpoint so a restart does not emit the tail as a line.
 */
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { MAX_MESSAGE_BYTES } from "../../core/event.js";

/** bytes read per call: large reads, few syscalls */
export const CHUNK_BYTES = 1024 * 1024;
/** the fingerprint covers the first bytes of a file, so a new file with a reused inode is recognized */
export const FINGERPRINT_BYTES = 1024;

/** What a checkpoint stores per file (key: "dev:ino"). */
export interface FileCheckpoint {
  /** where the file was last seen (for the stream name and to find it again after a rotation) */
  path: string;
  dev: number;
  ino: number;
  /** sha1 (16 hex chars) of the first fpLen bytes */
  fp: string;
  fpLen: number;
  offset: number;
  /** inside an over-long line whose head was already stored */
  skip?: boolean;
}

export interface LineCounters {
  lines: number;
  bytes: number;
  lines_cut: number;
  bytes_skipped: number;
}

export function fileKey(dev: number, ino: number): string {
  return `${dev}:${ino}`;
}

/** sha1 of the first len bytes, or undefined when the file is shorter. */
export async function fingerprintOf(fh: FileHandle, len: number): Promise<string | undefined> {
  if (len === 0) return "";
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  if (got < len) return undefined;
  return createHash("sha1").update(buf).digest("hex").slice(0, 16);
}

/** One reusable read buffer per source: a chunk plus the longest partial line carried over. */
export function readBuffer(): Buffer {
  return Buffer.allocUnsafe(CHUNK_BYTES + MAX_MESSAGE_BYTES + 1);
}

export class TrackedFile {
  readonly key: string;
  /** undefined once the file no longer sits at a watched path (rotated away or deleted) */
  path: string | undefined;
  /** when the file left its watched path (ms) */
  rotatedAt = 0;
  /** last time a read returned data (ms) */
  lastGrowthAt: number;
  offset: number;
  skipping: boolean;
  fp = "";
  fpLen = 0;
  /** the unterminated tail of the file, carried into the next read */
  private carry: Buffer | undefined;

  constructor(
    readonly fh: FileHandle,
    readonly dev: number,
    readonly ino: number,
    path: string,
    readonly stream: string,
    start: { offset: number; skipping: boolean },
    private readonly encoding: BufferEncoding,
    now: number,
  ) {
    this.key = fileKey(dev, ino);
    this.path = path;
    this.lastPath = path;
    this.offset = start.offset;
    this.skipping = start.skipping;
    this.lastGrowthAt = now;
  }

  /** the last watched path it sat at */
  lastPath: string;

  /** where the next read starts: after the checkpointed offset and the carried partial line */
  get readPos(): number {
    return this.offset + (this.carry?.length ?? 0);
  }

  get hasPartialLine(): boolean {
    return (this.carry?.length ?? 0) > 0;
  }

  checkpoint(): FileCheckpoint {
    const cp: FileCheckpoint = {
      path: this.path ?? this.lastPath,
      dev: this.dev,
      ino: this.ino,
      fp: this.fp,
      fpLen: this.fpLen,
      offset: this.offset,
    };
    if (this.skipping) cp.skip = true;
    return cp;
  }

  /** Recomputes the fingerprint while the file is shorter than FINGERPRINT_BYTES (it grows into it). */
  async refreshFingerprint(size: number): Promise<void> {
    const len = Math.min(size, FINGERPRINT_BYTES);
    if (len <= this.fpLen) return;
    const fp = await fingerprintOf(this.fh, len);
    if (fp !== undefined) {
      this.fp = fp;
      this.fpLen = len;
    }
  }

  /** false when the first bytes are no longer those fingerprinted (truncated and written again). */
  async sameContent(): Promise<boolean> {
    if (this.fpLen === 0) return true;
    return (await fingerprintOf(this.fh, this.fpLen)) === this.fp;
  }

  /**
   * The file was truncated (or replaced in place): hands out the carried partial line (it is data of the
   * old content) and starts again at 0.
   */
  restart(onLine: (line: string) => void, counters: LineCounters): void {
    this.flushPartial(onLine, counters);
    this.offset = 0;
    this.skipping = false;
    this.fp = "";
    this.fpLen = 0;
  }

  /** Hands out the unterminated last line as a line of its own (idle long enough, or the file is done). */
  flushPartial(onLine: (line: string) => void, counters: LineCounters): boolean {
    const carry = this.carry;
    if (!carry || carry.length === 0) return false;
    this.carry = undefined;
    this.emitLine(carry, 0, carry.length, onLine, counters);
    this.offset += carry.length;
    return true;
  }

  /**
   * Reads one chunk at readPos into buf and hands out every complete line. Returns the bytes read
   * (0 at the end of the file).
   */
  async readChunk(buf: Buffer, onLine: (line: string) => void, counters: LineCounters): Promise<number> {
    const carried = this.carry?.length ?? 0;
    if (this.carry) this.carry.copy(buf, 0);
    const { bytesRead } = await this.fh.read(buf, carried, CHUNK_BYTES, this.readPos);
    if (bytesRead === 0) return 0;
    this.carry = undefined;
    const base = this.offset; // file position of buf[0]
    const end = carried + bytesRead;
    const view = buf.subarray(0, end);
    counters.bytes += bytesRead;
    let pos = 0;
    if (this.skipping) {
      const nl = view.indexOf(10, 0);
      if (nl < 0) {
        counters.bytes_skipped += end;
        this.offset = base + end;
        return bytesRead;
      }
      counters.bytes_skipped += nl;
      this.skipping = false;
      pos = nl + 1;
    }
    for (let nl = view.indexOf(10, pos); nl >= 0; nl = view.indexOf(10, pos)) {
      const lineEnd = nl > pos && view[nl - 1] === 13 ? nl - 1 : nl;
      this.emitLine(view, pos, lineEnd, onLine, counters);
      pos = nl + 1;
    }
    const rest = end - pos;
    if (rest > MAX_MESSAGE_BYTES) {
      // no newline within the limit: store the head now and skip the rest of the line
      this.emitLine(view, pos, end, onLine, counters);
      this.skipping = true;
      this.offset = base + end;
    } else {
      if (rest > 0) this.carry = Buffer.from(view.subarray(pos, end));
      this.offset = base + pos;
    }
    return bytesRead;
  }

  private emitLine(
    buf: Buffer,
    start: number,
    end: number,
    onLine: (line: string) => void,
    counters: LineCounters,
  ): void {
    let stop = end;
    if (end - start > MAX_MESSAGE_BYTES) {
      stop = start + MAX_MESSAGE_BYTES;
      // cut on a UTF-8 character boundary
      while (stop > start && (buf[stop] & 0xc0) === 0x80) stop--;
      counters.lines_cut++;
      counters.bytes_skipped += end - stop;
    }
    counters.lines++;
    onLine(buf.toString(this.encoding, start, stop));
  }
}
