/**
 * FIM's engine: scans watched trees against their baseline in the store and commits each change event
 * together with the baseline row it moves (one transaction, through the pipeline: kill -9 mid-scan
 * reports every change exactly once). Full scans and realtime checks share it; the step that re-reads a
 * row, decides and commits runs one at a time, so a path seen by both is reported once.
 */
import os from "node:os";
import path from "node:path";
import type { Clock } from "../../core/clock.js";
import {
  type Checkpoint,
  FIM_BASELINE_KEY,
  FIM_DELETED,
  type FimStore,
  fimCheckpoint,
} from "../../store/store.js";
import type { FimConfig, FimPathConfig } from "./config.js";
import { ContentCopies, unifiedDiff } from "./copies.js";
import { changeEvent, type FimEvent, limitEvent, UNEXPLAINED } from "./events.js";
import { HashPool } from "./hash-pool.js";
import { compileIgnore, type IgnoreTest } from "./ignore.js";
import { displayPath, pathBytes } from "./names.js";
import { type Observed, observe } from "./observe.js";
import { explainContent, type PackageIndex } from "./packages.js";
import { compareRecords, type FileRecord } from "./record.js";
import { ROW_FILE, ROW_UNHASHED, ROW_WIDTH, walkInWorkers } from "./tree-pool.js";
import { walkTree } from "./walk.js";
import { readTreeXattrs, withXattrs } from "./xattrs.js";

/** Commits change events (FIM messages) and baseline rows in one transaction. */
export type FimCommit = (events: FimEvent[], checkpoints: Checkpoint[]) => Promise<void>;

export interface FimScannerDeps {
  fim: FimStore;
  commit: FimCommit;
  clock: Clock;
  host: () => string;
  /** where report_changes keeps previous contents (the data dir's fim/copies) */
  copiesDir: string;
  /**
   * niceness of the walking and hashing threads: the daemon gives them WORKER_NICE so its own event loop
   * (ingest, jails, alarms) comes first when the CPUs are busy; `mamori fim` runs them as itself
   */
  workerNice?: number;
  /** dpkg's index under package_root (verify_packages) */
  packages?: () => PackageIndex;
}

export interface FimCounters {
  scans: number;
  files: number;
  bytesHashed: number;
  changes: number;
  unreadable: number;
  tooLarge: number;
  watchLimit: number;
}

export interface ScanProgress {
  root: string;
  files: number;
  bytes: number;
  startedAt: number;
}

const BASELINE_CHUNK = 2000;
/**
 * A baseline walks in hash_workers + 1 threads: the walk the main thread did (readdir, lstat, records;
 * what aide's main thread does beside its num_workers hashing threads) moved into the workers, and one
 * more thread takes its place; the main thread only commits.
 */
const WALK_EXTRA_THREADS = 1;
/** the daemon's walking/hashing threads' niceness (as `nice -n 10`) */
export const WORKER_NICE = 10;

export class FimScanner {
  readonly counters: FimCounters = {
    scans: 0,
    files: 0,
    bytesHashed: 0,
    changes: 0,
    unreadable: 0,
    tooLarge: 0,
    watchLimit: 0,
  };
  progress: ScanProgress | undefined;
  /** hashing threads: hash_workers, else one per CPU the process may use */
  private readonly workers: number;
  private readonly pool: HashPool;
  private readonly copies: ContentCopies;
  private readonly ignores = new Map<string, IgnoreTest>();
  private lock: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** aborted by close(): a baseline's walking threads stop mid-file */
  private readonly closing = new AbortController();

  constructor(
    readonly config: FimConfig,
    private readonly deps: FimScannerDeps,
  ) {
    this.workers = config.hash_workers ?? os.availableParallelism();
    this.pool = new HashPool(this.workers, deps.workerNice);
    this.copies = new ContentCopies(deps.copiesDir, config.max_diff_size);
    for (const p of config.paths) this.ignores.set(p.path, compileIgnore(p.ignore));
  }

  /** Scans every path; a path without a finished baseline gets one. Returns the events committed. */
  async scanAll(opts: { rebuild?: boolean } = {}): Promise<FimEvent[]> {
    const out: FimEvent[] = [];
    for (const p of this.config.paths) {
      if (this.stopped) break;
      out.push(...(await this.scanPath(p, opts)));
    }
    return out;
  }

  async scanPath(pc: FimPathConfig, opts: { rebuild?: boolean } = {}): Promise<FimEvent[]> {
    this.counters.scans++;
    this.progress = { root: pc.path, files: 0, bytes: 0, startedAt: this.deps.clock.now() };
    try {
      if (opts.rebuild || !(await this.deps.fim.baselined(pc.path))) return await this.baseline(pc);
      return await this.compare(pc, pc.path, await this.deps.fim.baseline(pc.path));
    } finally {
      this.progress = undefined;
    }
  }

  /** Realtime: compares `at` (a path under pc.path, as bytes) and what is below it. */
  async checkPath(pc: FimPathConfig, at: Buffer): Promise<FimEvent[]> {
    if (!(await this.deps.fim.baselined(pc.path))) return [];
    const key = displayPath(at);
    return this.compare(pc, key, await this.deps.fim.baselineUnder(pc.path, key), at);
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.closing.abort();
    await this.pool.close();
  }

  // ---------------------------------------------------------------- baseline

  /**
   * Walks, stats and hashes in worker threads (tree-pool.ts); this thread only turns their rows into
   * checkpoints and commits them, BASELINE_CHUNK rows a transaction. A rebuild overwrites the old rows in
   * place and then deletes those of paths it did not see. A baseline killed midway has no
   * finished-baseline row, so the next scan builds it again.
   */
  private async baseline(pc: FimPathConfig): Promise<FimEvent[]> {
    const root = pc.path;
    await this.deps.fim.unmarkBaseline(root);
    const xattrs = await this.xattrsUnder(pathBytes(root));
    const host = this.deps.host();
    const seen = new Set<string>();
    let rows: Checkpoint[] = [];
    let limits: FimEvent[] = [];
    const all: FimEvent[] = [];
    let files = 0;
    let bytes = 0;
    const began = this.deps.clock.now();
    const walk = walkInWorkers(pathBytes(root), {
      workers: this.workers + WALK_EXTRA_THREADS,
      maxHashSize: this.config.max_hash_size,
      ignore: pc.ignore,
      nice: this.deps.workerNice,
      signal: this.closing.signal,
    });
    for await (const batch of walk) {
      if (this.stopped) break;
      let batchBytes = 0;
      for (let i = 0; i < batch.length; i += ROW_WIDTH) {
        const p = batch[i];
        const json = batch[i + 1];
        const flags = Number(batch[i + 3]);
        batchBytes += Number(batch[i + 2]);
        rows.push(fimCheckpoint(root, p, xattrs ? withXattrs(json, xattrs.get(p)) : json));
        seen.add(p);
        if (flags & ROW_UNHASHED) limits.push(this.limit(p, JSON.parse(json) as FileRecord, host));
        if (pc.report_changes && flags & ROW_FILE)
          await this.copies.keep(p, await this.copies.readText(pathBytes(p)));
      }
      const n = batch.length / ROW_WIDTH;
      files += n;
      bytes += batchBytes;
      this.counters.files += n;
      this.counters.bytesHashed += batchBytes;
      if (this.progress) {
        this.progress.files += n;
        this.progress.bytes += batchBytes;
      }
      if (rows.length >= BASELINE_CHUNK) {
        const [r, l] = [rows, limits];
        rows = [];
        limits = [];
        all.push(...l);
        await this.deps.commit(l, r);
      }
      await this.pace(began, bytes);
    }
    if (this.stopped) return all;
    // rows of paths this rebuild did not see go before the baseline is marked finished
    await this.deps.commit([], rows);
    rows = [];
    await this.deps.fim.keepOnly(root, seen);
    const summary: FimEvent = { path: root, change: "baseline", files, bytes, host };
    rows.push(fimCheckpoint(root, FIM_BASELINE_KEY, JSON.stringify({ at: this.deps.clock.now(), files })));
    await this.deps.commit([...limits, summary], rows);
    all.push(...limits, summary);
    return all;
  }

  // ---------------------------------------------------------------- compare

  private async compare(
    pc: FimPathConfig,
    start: string,
    known: Map<string, string>,
    startBytes = pathBytes(start),
  ): Promise<FimEvent[]> {
    const out: FimEvent[] = [];
    const xattrs = await this.xattrsUnder(startBytes);
    await this.observeTree(pc, startBytes, async (p, entryBytes, o) => {
      if (xattrs) o.record.xattrs = xattrs.get(p) ?? "";
      const seen = known.get(p);
      known.delete(p);
      if (seen !== undefined && seen === JSON.stringify(o.record)) return;
      out.push(...(await this.decide(pc, p, entryBytes, o.record)));
    });
    if (this.stopped) return out;
    const ignored = this.ignores.get(pc.path) as IgnoreTest;
    for (const p of known.keys()) {
      if (ignored(p)) await this.deps.commit([], [fimCheckpoint(pc.path, p, FIM_DELETED)]);
      else out.push(...(await this.decide(pc, p, pathBytes(p), undefined)));
    }
    if (start === pc.path) await this.deps.fim.purgeDeleted(pc.path);
    return out;
  }

  /** The xattrs of a tree when they are compared (one getfattr run, before the walk). */
  private async xattrsUnder(start: Buffer): Promise<Map<string, string> | undefined> {
    return this.config.attributes.includes("xattrs") ? readTreeXattrs(start) : undefined;
  }

  /** Under the lock: re-reads the row, decides what changed and commits the event with the row. */
  private decide(pc: FimPathConfig, p: string, bytes: Buffer, now: FileRecord | undefined) {
    const run = this.lock.then(() => this.decideLocked(pc, p, bytes, now));
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async decideLocked(
    pc: FimPathConfig,
    p: string,
    bytes: Buffer,
    now: FileRecord | undefined,
  ): Promise<FimEvent[]> {
    const root = pc.path;
    const json = await this.deps.fim.row(root, p);
    const before = json === undefined ? undefined : (JSON.parse(json) as FileRecord);
    const host = this.deps.host();
    const attributes = this.config.attributes;
    let event: FimEvent;
    if (!before && !now) return [];
    if (!before && now) event = changeEvent({ path: p, change: "added", after: now, attributes }, host);
    else if (before && !now) event = changeEvent({ path: p, change: "deleted", before, attributes }, host);
    else {
      const b = before as FileRecord;
      const a = now as FileRecord;
      const cmp = compareRecords(b, a, attributes, pc.growing);
      if (!cmp) {
        // growth of a growing file (or what is not compared): the row follows, silently
        if (JSON.stringify(b) !== JSON.stringify(a))
          await this.deps.commit([], [fimCheckpoint(root, p, JSON.stringify(a))]);
        return [];
      }
      event = changeEvent(
        { path: p, change: cmp.change, changed: cmp.changed, before: b, after: a, attributes },
        host,
      );
    }
    const events = [event];
    if (now?.unhashed && now.unhashed !== before?.unhashed) events.push(this.limit(p, now, host));
    let text: string | undefined;
    if (pc.report_changes && now?.type === "file") {
      text = await this.copies.readText(bytes);
      const previous = await this.copies.previous(p);
      if (event.change === "modified" && text !== undefined && previous !== undefined && text !== previous)
        event.diff = unifiedDiff(p, previous, text);
      else if (event.change === "added" && text) event.diff = unifiedDiff(p, "", text);
    }
    if (this.config.verify_packages) await this.explain(event, bytes, now);
    const window = await this.deps.fim.maintenanceAt(this.deps.clock.now());
    if (window) {
      event.maintenance = true;
      if (window.reason) event.maintenance_reason = window.reason;
    }
    // host last, after what was added above (reads better in an e-mail)
    delete (event as { host?: string }).host;
    event.host = host;
    const row = now ? JSON.stringify(now) : FIM_DELETED;
    await this.deps.commit(events, [fimCheckpoint(root, p, row)]);
    this.counters.changes++;
    if (pc.report_changes) await this.copies.keep(p, now?.type === "file" ? text : undefined);
    return events;
  }

  /** verify_packages: the package whose checksum the new content matches, or that none does. */
  private async explain(event: FimEvent, bytes: Buffer, now: FileRecord | undefined): Promise<void> {
    const index = this.deps.packages?.();
    const rel = path.relative(this.config.package_root, event.path);
    const hostPath = rel.startsWith("..") || path.isAbsolute(rel) ? undefined : `/${rel}`;
    if (index && hostPath && now?.type === "file" && now.sha256 && event.change !== "attributes") {
      const r = await this.pool.hash(bytes, now.inode, { md5: true });
      if (r.md5) {
        const verdict = explainContent(index, hostPath, r.md5);
        if ("unexplained" in verdict) {
          if (verdict.package) event.owner = verdict.package;
        } else {
          event.package = verdict.package;
          return;
        }
      }
    } else if (index && hostPath) {
      const owner = index.lookup(hostPath);
      if (owner) event.owner = `${owner.package} ${owner.version}`;
    }
    event.unexplained = UNEXPLAINED;
  }

  private limit(p: string, r: FileRecord, host: string): FimEvent {
    if (r.unhashed === "too_large") this.counters.tooLarge++;
    else this.counters.unreadable++;
    return limitEvent(p, r, this.config.max_hash_size, host);
  }

  /** Walks and observes a tree, a few files hashing at once, paced to max_io. */
  private async observeTree(
    pc: FimPathConfig,
    start: Buffer,
    each: (p: string, bytes: Buffer, o: Observed) => Promise<void>,
  ): Promise<void> {
    const inflight = new Set<Promise<void>>();
    let slotFreed: (() => void) | undefined;
    // enough files in flight for the pool to hand each worker full batches (hash-pool.ts MAX_BATCH)
    const limit = this.workers * 96;
    const began = this.deps.clock.now();
    let hashed = 0;
    let failure: unknown;
    const ignored = this.ignores.get(pc.path) as IgnoreTest;
    for await (const entry of walkTree(start, ignored)) {
      if (this.stopped || failure) break;
      const job: Promise<void> = observe(entry, this.pool, this.config.max_hash_size)
        .then(async (o) => {
          if (!o || this.stopped) return;
          hashed += o.bytes;
          this.counters.files++;
          this.counters.bytesHashed += o.bytes;
          if (this.progress) {
            this.progress.files++;
            this.progress.bytes += o.bytes;
          }
          await each(entry.path, entry.bytes, o);
        })
        .catch((err) => {
          failure ??= err;
        })
        .finally(() => {
          inflight.delete(job);
          slotFreed?.();
        });
      inflight.add(job);
      // wait for one job to finish; Promise.race(inflight) here would add a reaction to every job in
      // flight on each file (millions on /usr) and keep them all until the jobs settle
      if (inflight.size >= limit) await new Promise<void>((r) => (slotFreed = r));
      slotFreed = undefined;
      await this.pace(began, hashed);
    }
    await Promise.all(inflight);
    if (failure) throw failure;
  }

  private async pace(began: number, hashed: number): Promise<void> {
    const mbps = this.config.max_io;
    if (mbps <= 0) return;
    const due = began + (hashed / (mbps * 1e6)) * 1000;
    const wait = due - this.deps.clock.now();
    if (wait > 5) await this.deps.clock.sleep(wait);
  }
}
