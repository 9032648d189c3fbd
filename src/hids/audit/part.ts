/**
 * The policy audit as a daemon part: one run at start, then one every `schedule` on the injected clock.
 * Each run's changed results (all of them on the first run: the baseline) become `mamori/audit` events.
 * Policies are loaded once when the part is built (config check has already compiled them).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { errorMessage } from "../../core/errors.js";
import type { DetectionSink } from "../../pipeline/detections.js";
import type { Service } from "../../service.js";
import type { AuditStore } from "../../store/store.js";
import type { AuditConfig } from "./config.js";
import { loadPolicies, policyFiles } from "./policies.js";
import { changedFindings, runPolicies } from "./run.js";

export const AUDIT_GROUP = "mamori/audit";

export interface AuditPartDeps {
  store: { audit: AuditStore };
  clock: Clock;
  log: Logger;
  hostname: string;
  detections: DetectionSink;
}

export interface AuditPart extends Service {
  /** Resolves when the run in progress (if any) has finished; tests wait on it. */
  idle(): Promise<void>;
  /** runs the policies now (after the run under way, if any); resolves when that run is over */
  runNow(): Promise<void>;
  stats(): { runs: number; reported: number; failed: number; errors: number; policies: number };
}

/**
 * What decides how the audit runs: its config, the host name and the policy files' contents, so a
 * reload (SIGHUP) after editing a policy restarts the part with the new checks.
 */
export function auditFingerprint(config: AuditConfig, hostname: string): string {
  const hash = createHash("sha256");
  for (const file of policyFiles(config.policies)) {
    hash.update(file);
    try {
      hash.update(fs.readFileSync(file));
    } catch {
      hash.update("\u0000missing");
    }
  }
  return JSON.stringify({ config, hostname, policies: hash.digest("hex") });
}

export function buildAuditPart(config: AuditConfig, deps: AuditPartDeps): AuditPart {
  const log = deps.log.child({ part: "audit" });
  const policies = loadPolicies(config.policies);
  let timer: TimerHandle | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const counters = { runs: 0, reported: 0, failed: 0, errors: 0 };

  const runOnce = async () => {
    const findings = await runPolicies(policies, {
      root: config.root,
      commandTimeoutMs: config.command_timeout * 1000,
    });
    if (stopped) return;
    const changed = await changedFindings(findings, deps.store.audit, deps.clock.now());
    for (const f of changed) deps.detections.emit(AUDIT_GROUP, { ...f, host: deps.hostname });
    counters.runs++;
    counters.reported += changed.length;
    counters.failed = findings.filter((f) => f.result === "failed").length;
  };
  const trigger = () => {
    if (running || stopped) return; // a run still going is not started twice
    running = runOnce()
      .catch((err) => {
        counters.errors++;
        log.error({ err: errorMessage(err) }, "policy audit run failed; the next scheduled run tries again");
      })
      .finally(() => {
        running = undefined;
      });
  };

  return {
    name: "audit",
    async start() {
      stopped = false;
      trigger();
      timer = deps.clock.setInterval(trigger, config.schedule * 1000);
    },
    async stop() {
      stopped = true;
      timer?.cancel();
      await running;
    },
    async idle() {
      await running;
    },
    async runNow() {
      await running;
      trigger();
      await running;
    },
    stats: () => ({ ...counters, policies: policies.length }),
  };
}
