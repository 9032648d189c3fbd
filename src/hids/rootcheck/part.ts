/**
 * Rootcheck as a part of the daemon: one run at start (as OSSEC's scan_on_start), then one every
 * `schedule` on the injected clock. Each finding becomes an event in `mamori/rootcheck` through the
 * DetectionSink, so alarms, metric filters and `mamori logs` see it like any line. A run never overlaps
 * the previous one; stop() aborts a run under way.
 */
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { errorMessage } from "../../core/errors.js";
import type { DetectionSink } from "../../pipeline/detections.js";
import type { Service } from "../../service.js";
import type { Store } from "../../store/store.js";
import type { RootcheckConfig } from "./config.js";
import { runRootcheck } from "./run.js";

export const ROOTCHECK_GROUP = "mamori/rootcheck";

export interface RootcheckPartDeps {
  store: Pick<Store, "rootcheck">;
  clock: Clock;
  log: Logger;
  detections: DetectionSink;
  hostname: string;
}

export interface RootcheckPart extends Service {
  /** the run under way, if any (tests wait on it) */
  readonly running: Promise<void> | undefined;
  /** runs the checks now (after the run under way, if any); resolves when that run is over */
  runNow(): Promise<void>;
}

export function rootcheckFingerprint(config: RootcheckConfig, hostname: string): string {
  return JSON.stringify({ config, hostname });
}

export function buildRootcheckPart(config: RootcheckConfig, deps: RootcheckPartDeps): RootcheckPart {
  const log = deps.log.child({ part: "rootcheck" });
  const counters = { runs: 0, findings: 0, failedChecks: 0, skippedOverlapping: 0, lastRunMs: 0 };
  let timer: TimerHandle | undefined;
  let current: Promise<void> | undefined;
  let abort = new AbortController();

  const runOnce = async (signal: AbortSignal) => {
    const started = deps.clock.now();
    const run = await runRootcheck(config, {
      store: deps.store.rootcheck,
      now: () => deps.clock.now(),
      host: deps.hostname,
      signal,
    });
    for (const f of run.findings) deps.detections.emit(ROOTCHECK_GROUP, f);
    for (const f of run.failures)
      log.error({ check: f.check, err: f.error }, "a rootcheck check failed; the others ran");
    counters.runs++;
    counters.findings += run.findings.length;
    counters.failedChecks += run.failures.length;
    counters.lastRunMs = deps.clock.now() - started;
    log.info(
      { findings: run.findings.length, failed: run.failures.length, ms: run.timings },
      "rootcheck run done",
    );
  };

  const trigger = () => {
    if (current) {
      counters.skippedOverlapping++;
      return;
    }
    const signal = abort.signal;
    current = runOnce(signal)
      .catch((err) => {
        if (!signal.aborted) log.error({ err: errorMessage(err) }, "rootcheck run failed");
      })
      .finally(() => {
        current = undefined;
      });
  };

  return {
    name: "rootcheck",
    get running() {
      return current;
    },
    async start() {
      abort = new AbortController();
      timer = deps.clock.setInterval(trigger, config.schedule * 1000);
      trigger();
    },
    async stop() {
      timer?.cancel();
      timer = undefined;
      abort.abort(new Error("rootcheck stopped"));
      await current;
    },
    async runNow() {
      await current;
      trigger();
      await current;
    },
    stats: () => ({ ...counters, running: current !== undefined }),
  };
}
