/**
 * The file source (the CloudWatch Logs agent's job): tails every file matching the configured paths and
 * globs, through every rotation style:
 * - rename + create: the renamed file keeps its inode; it is read to its end (and a little longer, while
 *   the writer may still be finishing with it) before it is closed; the new file is read from 0.
 * - copytruncate / truncated in place: the size drops below the read position, or the first bytes no
 *   longer match the fingerprint → read again from 0.
 * - delete + recreate: like rename (an open file can still be read); a recreated file that reuses the
 *   inode is recognized by its fingerprint after a restart.
 * inotify (fs.watch on the directories) only wakes the loop early; a poll on the Clock every
 * poll_interval does the real work, so nothing depends on inotify alone.
 * Each batch carries the checkpoint of its file (key dev:ino) = the position after its last line, stored
 * in the same transaction: kill -9 at any moment loses no line and duplicates none.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { errorMessage } from "../../core/errors.js";
import type { LogEvent } from "../../core/event.js";
import { type TimestampParser, timestampParser } from "../../core/timestamp.js";
import { expandGlobs, globBase, globToRegExp, hasGlob, watchedRoot } from "../shared/glob.js";
import { type OpenedFile, openWatchedFile, RefusedFileError } from "../shared/open-file.js";
import type { Source, SourceBatch, SourceContext, SourceStats } from "../types.js";
import type { FileSourceConfig } from "./config.js";
import { resolveInstanceId, streamNamer } from "./stream-name.js";
import { type FileCheckpoint, fileKey, fingerprintOf, readBuffer, TrackedFile } from "./tracked-file.js";
import { Waker } from "./waker.js";

/** an unterminated last line is stored as a line once its file has not grown for this long */
export const PARTIAL_LINE_FLUSH_MS = 5_000;
/** a file that left its watched path is closed once it has not grown for this long */
export const ROTATED_QUIET_MS = 5_000;

class EmitError extends Error {
  constructor(cause: unknown) {
    super(errorMessage(cause), { cause });
  }
}

export interface FileSourceOptions {
  /** inotify wake-ups (default true); tests turn it off to step the clock deterministically */
  watch?: boolean;
}

export class FileSource implements Source {
  private readonly counters = {
    files: 0,
    lines: 0,
    bytes: 0,
    lines_cut: 0,
    bytes_skipped: 0,
    partial_lines_flushed: 0,
    truncations: 0,
    rotations: 0,
    files_closed: 0,
    read_errors: 0,
    files_refused: 0,
    scan_errors: 0,
    polls: 0,
  };
  private readonly files = new Map<string, TrackedFile>();
  private readonly patterns: string[];
  private readonly excludes: Array<{ re: RegExp; basename: boolean }>;
  private readonly parseTime: TimestampParser;
  private readonly streamOf: (file: string) => string;
  private readonly pollMs: number;
  private readonly encoding: BufferEncoding;
  private buf: Buffer | undefined;
  private readonly waker: Waker;
  private readonly pendingDeletes: Array<{ key: string; at: number }> = [];
  private knownPaths = new Set<string>();
  /** paths refused (FIFO, symlink out of the tree...) → the reason, so each is reported once */
  private refused = new Map<string, string>();
  private lastScanAt = Number.NEGATIVE_INFINITY;
  /** no file matched at start: the first one to appear is announced once, at INFO */
  private waitingForFirstFile = false;

  constructor(
    private readonly config: FileSourceConfig,
    private readonly ctx: SourceContext,
    opts: FileSourceOptions = {},
  ) {
    const paths = Array.isArray(config.path) ? config.path : [config.path];
    this.patterns = paths.map((p) => path.resolve(p));
    this.excludes = (config.exclude ?? []).map((x) =>
      x.includes("/")
        ? { re: globToRegExp(path.resolve(x)), basename: false }
        : { re: globToRegExp(x), basename: true },
    );
    this.parseTime = timestampParser(config.datetime_format, config.timezone);
    this.streamOf = streamNamer(config.stream, ctx, () => resolveInstanceId(ctx.hostname));
    this.pollMs = Math.max(10, config.poll_interval * 1000);
    this.encoding = config.encoding === "latin1" ? "latin1" : "utf8";
    this.waker = new Waker(ctx.clock, opts.watch !== false);
  }

  stats(): SourceStats {
    return {
      ...this.counters,
      files: this.files.size,
      watch_errors: this.waker.watchErrors,
      waiting: this.waker.waiting,
    };
  }

  async run(signal: AbortSignal): Promise<void> {
    this.buf ??= readBuffer();
    try {
      const saved = await this.loadCheckpoints();
      await this.scan(true, saved);
      await this.recoverRotated(saved);
      if (this.files.size === 0) {
        this.waitingForFirstFile = true;
        this.ctx.log.debug({ paths: this.patterns }, "no file matches yet; waiting for one to appear");
      }
      while (!signal.aborted) {
        this.counters.polls++;
        const now = this.ctx.clock.now();
        if (this.waker.rescanRequested || now - this.lastScanAt >= this.pollMs) await this.scan(false);
        await this.readAll(signal);
        await this.deleteFinished();
        if (signal.aborted) break;
        await this.waker.wait(this.pollMs, signal);
      }
    } catch (err) {
      throw err instanceof EmitError ? err.cause : err;
    } finally {
      this.waker.close();
      for (const f of this.files.values()) await f.fh.close().catch(() => {});
      this.files.clear();
    }
  }

  // ------------------------------------------------------------ discovery

  private async loadCheckpoints(): Promise<Map<string, FileCheckpoint>> {
    const saved = new Map<string, FileCheckpoint>();
    for (const c of await this.ctx.logs.listCheckpoints(this.ctx.id)) {
      try {
        const cp = JSON.parse(c.value) as FileCheckpoint;
        saved.set(c.key, cp);
        this.knownPaths.add(cp.path);
      } catch {
        this.ctx.log.warn({ key: c.key }, "ignoring an unreadable file checkpoint");
      }
    }
    return saved;
  }

  private excluded(file: string): boolean {
    const base = path.basename(file);
    return this.excludes.some((x) => x.re.test(x.basename ? base : file));
  }

  /** Matches the globs; opens new files; notices files that left their path (rotated or deleted). */
  private async scan(initial: boolean, saved?: Map<string, FileCheckpoint>): Promise<void> {
    this.waker.rescanRequested = false;
    this.lastScanAt = this.ctx.clock.now();
    const paths = await expandGlobs(this.patterns, (dir, err) => {
      this.counters.scan_errors++;
      this.ctx.log.warn({ dir, err: errorMessage(err) }, "cannot list a directory of a watched glob");
    });
    const seen = new Set<string>();
    for (const p of this.refused.keys()) if (!paths.includes(p)) this.refused.delete(p);
    for (const p of paths) {
      if (this.excluded(p)) continue;
      let st: Awaited<ReturnType<typeof stat>>;
      try {
        st = await stat(p);
      } catch {
        continue; // gone between listing and stat: the next scan sees what replaced it
      }
      const key = fileKey(st.dev, st.ino);
      seen.add(key);
      const known = this.files.get(key);
      if (known) {
        if (known.path !== p) known.path = known.lastPath = p; // renamed to another watched name
        continue;
      }
      await this.openFile(p, initial, saved);
    }
    const now = this.ctx.clock.now();
    for (const f of this.files.values()) {
      if (f.path !== undefined && !seen.has(f.key)) {
        f.path = undefined;
        f.rotatedAt = now;
        this.counters.rotations++;
      }
    }
    this.updateWatchers();
  }

  /** Where a file we have not read yet starts: its checkpoint, 0, or (first start) start_position. */
  private async openFile(p: string, initial: boolean, saved?: Map<string, FileCheckpoint>): Promise<void> {
    const opened = await this.openChecked(p, watchedRoot(p, this.patterns));
    if (!opened) return;
    const { fh, st } = opened;
    const key = fileKey(st.dev, st.ino);
    if (this.files.has(key)) {
      await fh.close(); // replaced between stat and open by a file we already read
      return;
    }
    const cp = saved?.get(key) ?? (await this.savedCheckpoint(key));
    let start = { offset: 0, skipping: false };
    if (cp && (await fingerprintOf(fh, cp.fpLen)) === cp.fp) {
      if (st.size >= cp.offset) start = { offset: cp.offset, skipping: cp.skip === true };
      else this.counters.truncations++; // truncated while mamori was not running
    } else if (initial && this.config.start_position === "end_of_file" && !this.knownPaths.has(p)) {
      start = { offset: st.size, skipping: false };
    }
    const f = new TrackedFile(
      fh,
      st.dev,
      st.ino,
      p,
      this.streamOf(cp?.path ?? p),
      start,
      this.encoding,
      this.ctx.clock.now(),
    );
    await f.refreshFingerprint(st.size);
    this.files.set(key, f);
    this.knownPaths.add(p);
    this.ctx.log.debug({ file: p, offset: start.offset }, "reading file");
    if (this.waitingForFirstFile) {
      this.waitingForFirstFile = false;
      this.ctx.log.info({ file: p, offset: start.offset }, "%s appeared: reading it", p);
    }
    // so a restart knows this path and this position even before the first line arrives
    await this.emit({ events: [], checkpoints: [this.checkpointOf(f)] });
  }

  /** Opens a found file by the rules of open-file.ts; a refusal or an error is counted and logged. */
  private async openChecked(p: string, root: string): Promise<OpenedFile | undefined> {
    try {
      const opened = await openWatchedFile(p, root, { followSymlinks: this.config.follow_symlinks });
      this.refused.delete(p);
      return opened;
    } catch (err) {
      if (err instanceof RefusedFileError) {
        if (this.refused.get(p) !== err.reason) {
          this.refused.set(p, err.reason);
          this.counters.files_refused++;
          this.ctx.log.warn({ file: p, reason: err.reason }, "refusing to read a file of a watched path");
        }
        return undefined;
      }
      this.counters.read_errors++;
      this.ctx.log.warn(
        { file: p, err: errorMessage(err) },
        "cannot open a watched file; retrying on the next poll",
      );
      return undefined;
    }
  }

  private async savedCheckpoint(key: string): Promise<FileCheckpoint | undefined> {
    const raw = await this.ctx.logs.getCheckpoint(this.ctx.id, key);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as FileCheckpoint;
    } catch {
      return undefined;
    }
  }

  /**
   * After a restart: a checkpointed file that no longer sits at a watched path was rotated while mamori
   * was down. logrotate keeps it in the same directory (app.log.1): find it by inode and fingerprint and
   * read the rest of it. A file that is gone for good has its checkpoint deleted.
   */
  private async recoverRotated(saved: Map<string, FileCheckpoint>): Promise<void> {
    for (const [key, cp] of saved) {
      if (this.files.has(key)) continue;
      const found = await this.findByInode(path.dirname(cp.path), cp.dev, cp.ino);
      if (found) {
        const opened = await this.openChecked(found, path.dirname(found));
        if (opened) {
          const { fh, st } = opened;
          if (
            fileKey(st.dev, st.ino) === key &&
            (await fingerprintOf(fh, cp.fpLen)) === cp.fp &&
            st.size >= cp.offset
          ) {
            const now = this.ctx.clock.now();
            const f = new TrackedFile(
              fh,
              cp.dev,
              cp.ino,
              cp.path,
              this.streamOf(cp.path),
              { offset: cp.offset, skipping: cp.skip === true },
              this.encoding,
              now,
            );
            f.fp = cp.fp;
            f.fpLen = cp.fpLen;
            f.path = undefined;
            f.rotatedAt = now;
            this.files.set(key, f);
            this.counters.rotations++;
            this.ctx.log.info(
              { file: found, was: cp.path },
              "finishing a file rotated while mamori was stopped",
            );
            continue;
          }
          await fh.close();
        }
      }
      await this.ctx.logs.deleteCheckpoint(this.ctx.id, key);
    }
  }

  private async findByInode(dir: string, dev: number, ino: number): Promise<string | undefined> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return undefined;
    }
    for (const name of names) {
      const full = path.join(dir, name);
      const st = await stat(full).catch(() => undefined);
      if (st?.isFile() && st.ino === ino && st.dev === dev) return full;
    }
    return undefined;
  }

  // ------------------------------------------------------------ reading

  /** Files that left their path first (their lines are older), then the others by path. */
  private readOrder(): TrackedFile[] {
    return [...this.files.values()].sort((a, b) => {
      if ((a.path === undefined) !== (b.path === undefined)) return a.path === undefined ? -1 : 1;
      if (a.path === undefined) return a.rotatedAt - b.rotatedAt;
      return (a.path as string) < (b.path as string) ? -1 : 1;
    });
  }

  private async readAll(signal: AbortSignal): Promise<void> {
    for (const f of this.readOrder()) {
      if (signal.aborted) return;
      try {
        await this.readFile(f, signal);
      } catch (err) {
        if (err instanceof EmitError) throw err;
        this.counters.read_errors++;
        this.ctx.log.warn(
          { file: f.path ?? f.lastPath, err: errorMessage(err) },
          "reading a file failed; it is reopened on the next poll",
        );
        await this.closeFile(f, false);
      }
    }
  }

  private async readFile(f: TrackedFile, signal: AbortSignal): Promise<void> {
    const st = await f.fh.stat();
    let events: LogEvent[] = [];
    let now = this.ctx.clock.now();
    const onLine = (line: string) => {
      events.push({
        group: this.config.group,
        stream: f.stream,
        timestamp: this.parseTime(line, now) ?? now,
        ingestTime: now,
        message: line,
      });
    };
    if (st.size < f.readPos || (st.size > f.readPos && !(await f.sameContent()))) {
      // copytruncate, truncated in place, or rewritten from the start
      this.counters.truncations++;
      this.ctx.log.info(
        { file: f.path ?? f.lastPath, size: st.size, offset: f.readPos },
        "file was truncated; reading it from the start",
      );
      f.restart(onLine, this.counters);
      await this.emit({ events, checkpoints: [this.checkpointOf(f)] });
      events = [];
    }
    const buf = this.buf as Buffer;
    while (!signal.aborted) {
      now = this.ctx.clock.now();
      const n = await f.readChunk(buf, onLine, this.counters);
      if (n === 0) break;
      f.lastGrowthAt = now;
      if (f.fpLen < 1024) await f.refreshFingerprint(f.readPos);
      await this.emit({ events, checkpoints: [this.checkpointOf(f)] });
      events = [];
    }
    now = this.ctx.clock.now();
    const quietSince = Math.max(f.lastGrowthAt, f.rotatedAt);
    if (f.hasPartialLine && now - f.lastGrowthAt >= PARTIAL_LINE_FLUSH_MS) {
      f.flushPartial(onLine, this.counters);
      this.counters.partial_lines_flushed++;
      await this.emit({ events, checkpoints: [this.checkpointOf(f)] });
      events = [];
    }
    if (f.path === undefined && now - quietSince >= ROTATED_QUIET_MS) await this.closeFile(f, true);
  }

  /** Store failures end run() (the daemon restarts the source, which resumes from its checkpoints). */
  private async emit(batch: SourceBatch): Promise<void> {
    try {
      await this.ctx.emit(batch);
    } catch (err) {
      throw new EmitError(err);
    }
  }

  private checkpointOf(f: TrackedFile) {
    return { source: this.ctx.id, key: f.key, value: JSON.stringify(f.checkpoint()) };
  }

  /** Closes a file; `done`: it was rotated away and read to its end, so its checkpoint goes too. */
  private async closeFile(f: TrackedFile, done: boolean): Promise<void> {
    this.files.delete(f.key);
    this.counters.files_closed++;
    await f.fh.close().catch(() => {});
    // the last batch may still be on its way to the store: delete the checkpoint a poll later
    if (done) this.pendingDeletes.push({ key: f.key, at: this.ctx.clock.now() + this.pollMs });
  }

  private async deleteFinished(): Promise<void> {
    const now = this.ctx.clock.now();
    while (this.pendingDeletes.length > 0 && this.pendingDeletes[0].at <= now) {
      const { key } = this.pendingDeletes.shift() as { key: string };
      if (!this.files.has(key)) await this.ctx.logs.deleteCheckpoint(this.ctx.id, key);
    }
  }

  /** Watches the directories of the files being read and of the globs' fixed parts. */
  private updateWatchers(): void {
    const dirs = new Set<string>();
    for (const p of this.patterns) dirs.add(hasGlob(p) ? globBase(p) : path.dirname(p));
    for (const f of this.files.values()) if (f.path) dirs.add(path.dirname(f.path));
    this.waker.watchDirectories(dirs);
  }
}
