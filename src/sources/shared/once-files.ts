/**
 * Sources that read each delivered file exactly once (VPC flow logs, CloudTrail): the watched globs are
 * polled on the Clock; a new file is read whole (gzip checked completely first), parsed into records and
 * emitted in batches. Each batch carries the file's checkpoint (identity + how many records are stored),
 * committed in the same transaction as its events: after kill -9 the file resumes at the next record,
 * nothing lost and nothing twice. A file that cannot be read yet (truncated gzip, half-written) is
 * reported and retried with backoff; a file that is not of the expected kind is skipped for good, with
 * the reason counted and checkpointed.
 */
import { stat } from "node:fs/promises";
import { errorMessage } from "../../core/errors.js";
import type { LogEvent } from "../../core/event.js";
import type { Checkpoint } from "../../store/store.js";
import type { Source, SourceContext, SourceStats } from "../types.js";
import { expandGlobs, watchedRoot } from "./glob.js";
import { openWatchedFile, RefusedFileError } from "./open-file.js";
import { CorruptFileError, DEFAULT_MAX_FILE_BYTES, FileTooLargeError, readWholeFile } from "./read-file.js";

export interface ParsedRecord {
  stream: string;
  /** event time, ms; undefined → the ingest time */
  timestamp: number | undefined;
  message: string;
}

export type ParsedFile =
  | { kind: "records"; records: Iterable<ParsedRecord> }
  /** not for this source (a digest, another JSON): never read again; the reason is counted */
  | { kind: "skip"; reason: string }
  /** not complete yet (half-written): read again later */
  | { kind: "retry"; reason: string };

export interface FileParser {
  /** skips a file by its path alone (e.g. CloudTrail digests), without reading it */
  skipByPath?(file: string): string | undefined;
  /**
   * `settled`: an earlier attempt saw the file with this same size and mtime (a plain file that looked
   * half-written then and has not grown since is complete after all).
   */
  parse(file: string, content: { data: Buffer; compressed: boolean; settled: boolean }): ParsedFile;
  /** the parser's own counters, shown in the source's stats */
  readonly counters?: Record<string, number>;
}

export interface OnceFileOptions {
  paths: readonly string[];
  group: string;
  /** seconds between scans */
  pollInterval: number;
  parser: FileParser;
  /** events per emitted batch (and per checkpoint) */
  batchSize?: number;
  /** symlinks may lead out of the watched tree (see open-file.ts) */
  followSymlinks?: boolean;
  /** largest file read, after decompression; larger ones are skipped and counted (default 64 MiB) */
  maxFileBytes?: number;
}

/** Stored per file (key: the absolute path). */
export interface FileCheckpoint {
  size: number;
  mtimeMs: number;
  sha256: string;
  /** records of the file already stored */
  next: number;
  done: boolean;
  skipped?: string;
  /** for a file skipped as too large: the cap then (a higher cap reads it after all) */
  limit?: number;
}

interface Failure {
  size: number;
  mtimeMs: number;
  attempts: number;
  retryAt: number;
}

const MAX_RETRY_MS = 10 * 60_000;
const TOO_LARGE = "too_large";

export class OnceFileSource implements Source {
  private known?: Map<string, FileCheckpoint>;
  private readonly failures = new Map<string, Failure>();
  private readonly batchSize: number;
  private readonly maxFileBytes: number;
  readonly counters = {
    scans: 0,
    files_read: 0,
    files_done: 0,
    files_skipped: 0,
    files_corrupt: 0,
    files_incomplete: 0,
    files_changed: 0,
    files_refused: 0,
    files_too_large: 0,
    read_errors: 0,
    records: 0,
    batches: 0,
  };
  private readonly skipReasons: Record<string, number> = {};

  constructor(
    private readonly opts: OnceFileOptions,
    private readonly ctx: SourceContext,
  ) {
    this.batchSize = opts.batchSize ?? 5_000;
    this.maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  stats(): SourceStats {
    const skipped = Object.fromEntries(Object.entries(this.skipReasons).map(([k, v]) => [`skipped_${k}`, v]));
    return { ...this.counters, ...skipped, ...this.opts.parser.counters };
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.scan(signal);
      try {
        await this.ctx.clock.sleep(this.opts.pollInterval * 1000, signal);
      } catch {
        return; // aborted
      }
    }
  }

  /** One pass over the watched tree: every new or unfinished file is read (public for tests). */
  async scan(signal?: AbortSignal): Promise<void> {
    this.known ??= await this.loadCheckpoints();
    const files = await expandGlobs(this.opts.paths, (dir, err) =>
      this.ctx.log.warn({ dir, err: errorMessage(err) }, "cannot list a watched directory"),
    );
    for (const file of files) {
      if (signal?.aborted) break;
      await this.visit(file, signal);
    }
    this.counters.scans++;
  }

  private async loadCheckpoints(): Promise<Map<string, FileCheckpoint>> {
    const map = new Map<string, FileCheckpoint>();
    for (const cp of await this.ctx.logs.listCheckpoints(this.ctx.id)) {
      try {
        map.set(cp.key, JSON.parse(cp.value) as FileCheckpoint);
      } catch {
        this.ctx.log.warn({ file: cp.key }, "ignoring an unreadable checkpoint; the file will be read again");
      }
    }
    return map;
  }

  private async visit(file: string, signal?: AbortSignal): Promise<void> {
    let st: { size: number; mtimeMs: number };
    try {
      st = await stat(file);
    } catch {
      return; // gone between listing and stat
    }
    const cp = this.known!.get(file);
    const raisedCap = cp?.skipped === TOO_LARGE && (cp.limit ?? 0) < this.maxFileBytes;
    if (cp?.done && cp.size === st.size && cp.mtimeMs === st.mtimeMs && !raisedCap) return;
    const failure = this.failures.get(file);
    const unchanged = failure && failure.size === st.size && failure.mtimeMs === st.mtimeMs;
    if (unchanged && this.ctx.clock.now() < failure.retryAt) return;

    const skip = this.opts.parser.skipByPath?.(file);
    if (skip) return this.finishSkipped(file, st, "", skip);
    let content: Awaited<ReturnType<typeof readWholeFile>>;
    try {
      content = await this.read(file);
    } catch (err) {
      if (err instanceof FileTooLargeError) return this.skipTooLarge(file, st, err);
      return this.noteFailure(file, st, err);
    }
    this.counters.files_read++;
    const start = this.resumeAt(file, cp, content.sha256);
    if (start < 0) {
      // only the size/mtime moved (copied again, touched): same bytes, already stored
      return this.commitCheckpoint(file, { ...cp!, size: st.size, mtimeMs: st.mtimeMs });
    }
    const parsed = this.opts.parser.parse(file, { ...content, settled: !!unchanged });
    if (parsed.kind === "retry") return this.noteFailure(file, st, new Error(parsed.reason), true);
    if (parsed.kind === "skip") return this.finishSkipped(file, st, content.sha256, parsed.reason);
    this.failures.delete(file);
    const identity = { size: st.size, mtimeMs: st.mtimeMs, sha256: content.sha256 };
    await this.emitRecords(file, identity, parsed.records, start, signal);
  }

  private async read(file: string): Promise<Awaited<ReturnType<typeof readWholeFile>>> {
    const root = watchedRoot(file, this.opts.paths);
    const { fh } = await openWatchedFile(file, root, { followSymlinks: this.opts.followSymlinks === true });
    try {
      return await readWholeFile(file, fh, this.maxFileBytes);
    } finally {
      await fh.close();
    }
  }

  /** Record index to start at; -1 when the file is already fully stored. */
  private resumeAt(file: string, cp: FileCheckpoint | undefined, sha256: string): number {
    if (!cp || cp.skipped === TOO_LARGE) return 0;
    if (cp.sha256 === sha256) return cp.done ? -1 : cp.next;
    this.counters.files_changed++;
    if (cp.done) {
      this.ctx.log.info({ file }, "a file already read has new content; reading it again as a new file");
    } else {
      this.ctx.log.warn(
        { file, stored: cp.next },
        "a file changed while it was being read; reading the new content from its start (the records stored before stay)",
      );
    }
    return 0;
  }

  private async emitRecords(
    file: string,
    identity: Pick<FileCheckpoint, "size" | "mtimeMs" | "sha256">,
    records: Iterable<ParsedRecord>,
    start: number,
    signal?: AbortSignal,
  ): Promise<void> {
    let index = 0;
    let batch: LogEvent[] = [];
    const group = this.opts.group;
    for (const r of records) {
      if (index++ < start) continue;
      const now = this.ctx.clock.now();
      batch.push({
        group,
        stream: r.stream,
        timestamp: r.timestamp ?? now,
        ingestTime: now,
        message: r.message,
      });
      if (batch.length >= this.batchSize) {
        await this.emit(file, batch, { ...identity, next: index, done: false });
        batch = [];
        if (signal?.aborted) return; // resumes at `index` next time
      }
    }
    await this.emit(file, batch, { ...identity, next: index, done: true });
    this.counters.files_done++;
  }

  private async emit(file: string, events: LogEvent[], cp: FileCheckpoint): Promise<void> {
    await this.ctx.emit({ events, checkpoints: [this.checkpoint(file, cp)] });
    this.known!.set(file, cp);
    this.counters.records += events.length;
    this.counters.batches++;
  }

  private async commitCheckpoint(file: string, cp: FileCheckpoint): Promise<void> {
    await this.ctx.emit({ events: [], checkpoints: [this.checkpoint(file, cp)] });
    this.known!.set(file, cp);
  }

  private checkpoint(file: string, cp: FileCheckpoint): Checkpoint {
    return { source: this.ctx.id, key: file, value: JSON.stringify(cp) };
  }

  private async finishSkipped(
    file: string,
    st: { size: number; mtimeMs: number },
    sha256: string,
    reason: string,
  ): Promise<void> {
    this.failures.delete(file);
    this.counters.files_skipped++;
    this.skipReasons[reason] = (this.skipReasons[reason] ?? 0) + 1;
    this.ctx.log.info({ file, reason }, "skipping a file that is not for this source");
    await this.commitCheckpoint(file, {
      size: st.size,
      mtimeMs: st.mtimeMs,
      sha256,
      next: 0,
      done: true,
      skipped: reason,
    });
  }

  /** Over the size cap: reported loudly, counted, checkpointed as skipped; the source goes on. */
  private async skipTooLarge(
    file: string,
    st: { size: number; mtimeMs: number },
    err: FileTooLargeError,
  ): Promise<void> {
    this.failures.delete(file);
    this.counters.files_too_large++;
    this.ctx.log.error({ file, limit: err.limit }, err.message);
    await this.commitCheckpoint(file, {
      size: st.size,
      mtimeMs: st.mtimeMs,
      sha256: "",
      next: 0,
      done: true,
      skipped: TOO_LARGE,
      limit: err.limit,
    });
  }

  /** Not readable now: counted, logged (loudly the first time), retried with backoff or when it changes. */
  private noteFailure(
    file: string,
    st: { size: number; mtimeMs: number },
    err: unknown,
    incomplete = false,
  ): void {
    const prev = this.failures.get(file);
    const attempts = prev && prev.size === st.size && prev.mtimeMs === st.mtimeMs ? prev.attempts + 1 : 1;
    const delay = Math.min(this.opts.pollInterval * 1000 * 2 ** (attempts - 1), MAX_RETRY_MS);
    this.failures.set(file, {
      size: st.size,
      mtimeMs: st.mtimeMs,
      attempts,
      retryAt: this.ctx.clock.now() + delay,
    });
    if (err instanceof CorruptFileError) this.counters.files_corrupt++;
    else if (err instanceof RefusedFileError) this.counters.files_refused++;
    else if (incomplete) this.counters.files_incomplete++;
    else this.counters.read_errors++;
    const level = attempts === 1 ? "warn" : "debug";
    this.ctx.log[level](
      { file, attempts, retryInMs: delay },
      `cannot read this file yet: ${errorMessage(err)}`,
    );
  }
}

/** What the file-delivered sources' configs share (vpc-flow, cloudtrail). */
export interface DeliveredFilesConfig {
  type: string;
  path: string | string[];
  group: string;
  poll_interval: number;
  follow_symlinks?: boolean;
  max_file_bytes?: number;
}

const pathsOf = (path: string | string[]) => (Array.isArray(path) ? path : [path]);

/** `vpc-flow:/var/log/vpc/**\/*.log.gz` (several paths joined by commas). */
export function deliveredFilesId(config: DeliveredFilesConfig): string {
  return `${config.type}:${pathsOf(config.path).join(",")}`;
}

export function deliveredFilesSource(
  config: DeliveredFilesConfig,
  parser: FileParser,
  ctx: SourceContext,
): OnceFileSource {
  return new OnceFileSource(
    {
      paths: pathsOf(config.path),
      group: config.group,
      pollInterval: config.poll_interval,
      parser,
      followSymlinks: config.follow_symlinks,
      maxFileBytes: config.max_file_bytes,
    },
    ctx,
  );
}
