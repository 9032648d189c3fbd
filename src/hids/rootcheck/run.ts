/**
 * Runs the checks the config names, one after another (each is I/O-bound; together they would compete
 * for the same disk). A check that fails does not stop the others: its error is returned beside the
 * findings, and the caller says the run was incomplete.
 */
import path from "node:path";
import { errorMessage } from "../../core/errors.js";
import type { RootcheckStore } from "../../store/store.js";
import type { RootcheckCheckName, RootcheckConfig } from "./config.js";
import { checkDevFiles } from "./dev-files.js";
import { type CheckFinding, type Finding, findingRecord } from "./finding.js";
import { checkHiddenPorts } from "./hidden-ports.js";
import { checkHiddenProcesses } from "./hidden-processes.js";
import { checkPromiscuous } from "./promiscuous.js";
import { checkRootkitFiles } from "./rootkit-files.js";
import { checkSuid, compareSuid, pseudoTrees, suidCollector } from "./suid.js";
import { walkTree } from "./walk.js";
import { checkWorldWritable, worldWritableCollector } from "./world-writable.js";

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
    (
      await checkSuid({
        root: c.root,
        paths: c.paths,
        baseline: env.store,
        now: env.now(),
        signal: env.signal,
      })
    ).findings,
  world_writable: (c, { signal }) => checkWorldWritable({ root: c.root, paths: c.paths, signal }),
  rootkit_files: (c) => checkRootkitFiles({ root: c.root }),
};

/**
 * suid and world_writable look at the same files: when both run, one walk feeds both (the walk is most of
 * their time — about 400,000 entries on a Debian host with /usr and /var).
 */
async function suidAndWorldWritable(c: RootcheckConfig, env: RunEnv): Promise<CheckFinding[]> {
  const suid = suidCollector(c.root);
  const ww = worldWritableCollector(c.root);
  await walkTree(
    c.paths.map((p) => path.join(c.root, p)),
    (file, st) => {
      suid.visit(file, st);
      ww.visit(file, st);
    },
    { skip: pseudoTrees(c.root), signal: env.signal },
  );
  const { findings } = await compareSuid({ root: c.root, baseline: env.store, now: env.now() }, suid.entries);
  return [...findings, ...ww.findings()];
}

export async function runRootcheck(config: RootcheckConfig, env: RunEnv): Promise<RootcheckRun> {
  const run: RootcheckRun = { findings: [], failures: [], timings: {} };
  const together = config.checks.includes("suid") && config.checks.includes("world_writable");
  for (const name of config.checks) {
    if (together && name === "world_writable") continue; // ran with suid
    const runner: CheckRunner = together && name === "suid" ? suidAndWorldWritable : checkRunners[name];
    env.signal?.throwIfAborted();
    const started = performance.now();
    try {
      for (const f of await runner(config, env)) run.findings.push(findingRecord(f, env.host));
    } catch (err) {
      if (env.signal?.aborted) throw err;
      run.failures.push({ check: name, error: errorMessage(err) });
    }
    run.timings[name] = Math.round(performance.now() - started);
  }
  return run;
}
