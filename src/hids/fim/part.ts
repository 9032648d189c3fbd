/**
 * FIM in the daemon: a scan at start (scan_on_start), then one every `schedule` on the injected clock;
 * inotify watches for realtime paths, whose events are compared at once. Scans never overlap; hashing
 * runs in worker threads, so the pipeline, jails and alarms keep their pace during a scan.
 */
import path from "node:path";
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { errorMessage } from "../../core/errors.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import type { Service } from "../../service.js";
import type { Store } from "../../store/store.js";
import { pipelineCommit } from "./commit.js";
import type { FimConfig, FimPathConfig } from "./config.js";
import { compileIgnore } from "./ignore.js";
import { pathBytes } from "./names.js";
import { currentPackageIndex } from "./packages.js";
import { FimScanner, WORKER_NICE } from "./scanner.js";
import { TreeWatcher } from "./watch.js";
import { assertXattrTool } from "./xattrs.js";

export interface FimPartEnv {
  store: Pick<Store, "fim">;
  clock: Clock;
  log: Logger;
  pipeline: Pick<Pipeline, "emitAndCommit">;
  hostname: () => string;
  dataDir: string;
}

const PROGRESS_EVERY_MS = 60_000;

export interface FimPart extends Service {
  readonly scanner: FimScanner;
  /** resolves when the scan running now (if any) is over */
  idle(): Promise<void>;
  /** runs a full scan now (after the one running, if any) */
  scanNow(): Promise<void>;
  /** the same as scanNow: what the fleet's "run a check now" calls on every host check */
  runNow(): Promise<void>;
}

export function fimFingerprint(config: FimConfig, dataDir: string): string {
  return JSON.stringify({ config, dataDir });
}

export function buildFimPart(config: FimConfig, env: FimPartEnv): FimPart {
  const log = env.log.child({ part: "fim" });
  const commit = pipelineCommit(env.pipeline, env.clock, env.hostname);
  const scanner = new FimScanner(config, {
    fim: env.store.fim,
    commit,
    clock: env.clock,
    host: env.hostname,
    copiesDir: path.join(env.dataDir, "fim", "copies"),
    workerNice: WORKER_NICE,
    packages: config.verify_packages ? () => currentPackageIndex(config.package_root) : undefined,
  });
  const watchers: TreeWatcher[] = [];
  let timer: TimerHandle | undefined;
  let scanning: Promise<void> = Promise.resolve();
  let stopped = false;
  const fallbacks = new Set<string>();

  const runScan = async () => {
    const began = env.clock.now();
    const progress = env.clock.setInterval(() => {
      const p = scanner.progress;
      if (p) log.info({ root: p.root, files: p.files, bytes: p.bytes }, "fim scan in progress");
    }, PROGRESS_EVERY_MS);
    try {
      const events = await scanner.scanAll();
      log.info(
        { events: events.length, ms: env.clock.now() - began, ...scanner.counters },
        "fim scan finished",
      );
    } catch (err) {
      if (!stopped) log.error({ err: errorMessage(err) }, "fim scan failed; the next scheduled scan retries");
    } finally {
      progress.cancel();
    }
  };
  // a scan longer than the schedule does not pile up more: at most one waits behind the running one
  let waiting = false;
  const scanNow = () => {
    if (waiting) return scanning;
    waiting = true;
    scanning = scanning.then(() => {
      waiting = false;
      return runScan();
    });
    return scanning;
  };

  // realtime: paths collected while a comparison runs are compared together next (a burst is one pass)
  const queued = new Map<string, { pc: FimPathConfig; at: Buffer }>();
  let draining = false;
  const drain = async () => {
    if (draining) return;
    draining = true;
    try {
      while (queued.size > 0 && !stopped) {
        const batch = [...queued.values()];
        queued.clear();
        for (const { pc, at } of batch)
          await scanner
            .checkPath(pc, at)
            .catch((err) => log.error({ err: errorMessage(err) }, "fim realtime check failed"));
      }
    } finally {
      draining = false;
    }
  };

  const watchPath = async (pc: FimPathConfig) => {
    const w = new TreeWatcher(
      pathBytes(pc.path),
      compileIgnore(pc.ignore),
      (at) => {
        queued.set(at.toString("latin1"), { pc, at });
        void drain();
      },
      (err) => {
        scanner.counters.watchLimit++;
        fallbacks.add(pc.path);
        const detail =
          err.code === "ENOSPC"
            ? "the inotify watch limit is reached (fs.inotify.max_user_watches); this path falls back to scheduled scans — raise the limit and restart mamori for realtime"
            : `realtime watching failed (${err.message}); this path falls back to scheduled scans`;
        log.warn({ path: pc.path, code: err.code }, detail);
        void commit(
          [{ path: pc.path, change: "watch_limit", error: err.code ?? "EIO", detail, host: env.hostname() }],
          [],
        );
      },
    );
    watchers.push(w);
    await w.start();
  };

  return {
    name: "fim",
    scanner,
    idle: () => scanning,
    scanNow,
    runNow: scanNow,
    async start() {
      if (config.attributes.includes("xattrs")) await assertXattrTool();
      for (const pc of config.paths) if (pc.realtime) await watchPath(pc);
      if (config.scan_on_start) void scanNow();
      timer = env.clock.setInterval(() => void scanNow(), config.schedule * 1000);
      log.info(
        {
          paths: config.paths.map((p) => p.path),
          realtime: config.paths.filter((p) => p.realtime && !fallbacks.has(p.path)).map((p) => p.path),
          watches: watchers.reduce((n, w) => n + w.watches, 0),
        },
        "fim started",
      );
    },
    async stop() {
      stopped = true;
      timer?.cancel();
      for (const w of watchers) w.close();
      await scanner.close();
      await scanning;
    },
    stats() {
      return {
        ...scanner.counters,
        progress: scanner.progress,
        watches: watchers.reduce((n, w) => n + w.watches, 0),
        fallbackToScans: [...fallbacks],
      };
    },
  };
}
