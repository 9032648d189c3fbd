/**
 * Runs the checks the config names, one after another (each is I/O-bound; together they would compete
 * for the same disk). A check that fails does not stop the others: its error is returned beside the
 * findings, and the caller says the run was incomplete.
 */
import { errorMessage } from "../../core/errors.js";
import type { RootcheckStore } from "../../store/store.js";
import type { RootcheckCheckName, RootcheckConfig } from "./config.js";
import { checkDevFiles } from "./dev-files.js";
import { type CheckFinding, type Finding, findingRecord } from "./finding.js";
import { checkHiddenPorts } from "./hidden-ports.js";
import { checkHiddenProcesses } from "./hidden-processes.js";
import { checkPromiscuous } from "./promiscuous.js";
import { checkRootkitFiles } from "./rootkit-files.js";
import { checkSuid } from "./suid.js";
import { checkWorldWritable } from "./world-writable.js";

export interface RunEnv {
  store: RootcheckStore;
  /** ms, for the baseline's time */
  now: () => number;
  host: string;
  /** aborts the run between slices of work (the daemon stopping) */
  signal?: AbortSignal;
}

export interface CheckFailure {
  check: RootcheckCheckName;
  error: string;
}

export interface RootcheckRun {
  findings: Finding[];
  failures: CheckFailure[];
  /** ms each check took */
  timings: Partial<Record<RootcheckCheckName, number>>;
}

type CheckRunner = (c: RootcheckConfig, env: RunEnv) => Promise<CheckFinding[]>;

/** Every check, by the name the config uses. */
export const checkRunners: Record<RootcheckCheckName, CheckRunner> = {
  hidden_processes: (c, { signal }) => checkHiddenProcesses({ proc: c.proc, signal }),
  hidden_ports: (c, { signal }) => {
    const [first, last] = c.ports.split("-").map(Number);
    return checkHiddenPorts({ proc: c.proc, first, last, signal });
  },
  promiscuous: (c) => checkPromiscuous({ sys: c.sys, known: c.known_promiscuous }),
  dev_files: (c, { signal }) => checkDevFiles({ root: c.root, allow: c.dev_allow, signal }),
  suid: async (c, env) =>
    (await checkSuid({ root: c.root, paths: c.paths, baseline: env.store, now: env.now(), signal: env.signal }))
      .findings,
  world_writable: (c, { signal }) => checkWorldWritable({ root: c.root, paths: c.paths, signal }),
  rootkit_files: (c) => checkRootkitFiles({ root: c.root }),
};

export async function runRootcheck(config: RootcheckConfig, env: RunEnv): Promise<RootcheckRun> {
  const run: RootcheckRun = { findings: [], failures: [], timings: {} };
  for (const name of config.checks) {
    env.signal?.throwIfAborted();
    const started = performance.now();
    try {
      for (const f of await checkRunners[name](config, env)) run.findings.push(findingRecord(f, env.host));
    } catch (err) {
      if (env.signal?.aborted) throw err;
      run.failures.push({ check: name, error: errorMessage(err) });
    }
    run.timings[name] = Math.round(performance.now() - started);
  }
  return run;
}
