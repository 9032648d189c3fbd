/**
 * `npm run bench -- fim [--tree gen|PATH] [--files N] [--mib M] [--workers W] [--rounds R] [--latency-runs R] [--keep]`:
 * mamori's FIM side by side with Debian's `aide` in one run, on the same tree with the same attributes
 * (sha256, size, mode, uid, gid, mtime, inode) and the same number of hashing threads (mamori's
 * `hash_workers`, aide's `num_workers`; default 2; each tool also walks the tree: aide in its main
 * thread, a mamori baseline in one more worker thread, so both run hash_workers + 1 busy threads):
 *   - `mamori fim baseline` vs `aide --init`, then `mamori fim check` vs `aide --check` with nothing changed:
 *     files/s and MB/s over the tree's regular files (counted here, one denominator for both), the ratio;
 *   - peak RSS of each (/usr/bin/time %M);
 *   - the alarm-latency bench's p99 while the daemon's start-up scan of the same tree runs.
 * Each tool runs as a user runs it: a new process, start-up included, mamori from the built dist/
 * (rebuilt first). The page cache is warmed first, so both read from memory and the figures measure the
 * tools, not the disk. Tree `gen` (the default): 60,000 files, 2.2 GiB of real bytes (bench/gen/fim-tree.ts)
 * in a temp dir, removed afterwards unless --keep; `--tree /usr` measures the host's /usr instead.
 * Targets (issue 14): baseline and check >= 2x aide, peak RSS < 300 MB, p99 during a scan < 100 ms.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { latencySummary, quantile, startAlarmDaemon } from "./alarm-latency.js";
import { buildCli } from "./build-cli.js";
import { aideConfig, countTree, ensureAide, type TimedRun, timedRun, warmPageCache } from "./fim-peers.js";
import { writeFimTree } from "./gen/fim-tree.js";
import { arg } from "./gen/write.js";

const ATTRIBUTES = "[sha256, size, mode, uid, gid, mtime, inode]";

function mamoriConfig(dir: string, tree: string, workers: number): string {
  return `data_dir: ${path.join(dir, "data")}
log_level: warn
${fimYaml(tree, workers)}`;
}

function fimYaml(tree: string, workers: number): string {
  return `fim:
  schedule: 24h
  scan_on_start: true
  paths:
    - path: ${JSON.stringify(tree)}
  attributes: ${ATTRIBUTES}
  hash_workers: ${workers}
`;
}

interface Side {
  name: string;
  run: TimedRun;
}

function rates(r: TimedRun, files: number, bytes: number): { filesPerS: number; mbPerS: number } {
  return { filesPerS: files / r.seconds, mbPerS: bytes / 1e6 / r.seconds };
}

function row(s: Side, files: number, bytes: number): string {
  const { filesPerS, mbPerS } = rates(s.run, files, bytes);
  return `  ${s.name.padEnd(22)} ${s.run.seconds.toFixed(2).padStart(8)} s ${filesPerS.toFixed(0).padStart(9)} files/s ${mbPerS.toFixed(1).padStart(8)} MB/s ${s.run.cpuSeconds.toFixed(1).padStart(6)} CPU-s  peak RSS ${s.run.rssMiB.toFixed(0).padStart(5)} MiB  exit ${s.run.code}`;
}

function compare(
  title: string,
  ours: Side,
  theirs: Side | undefined,
  files: number,
  bytes: number,
): string[] {
  const out = [title, row(ours, files, bytes)];
  if (!theirs) return [...out, "  aide: not installed, skipped"];
  out.push(row(theirs, files, bytes));
  const ratio = theirs.run.seconds / ours.run.seconds;
  const cpuRatio = theirs.run.cpuSeconds / ours.run.cpuSeconds;
  out.push(
    `  ratio mamori/aide: ${ratio.toFixed(2)}x wall (target >= 2x: ${ratio >= 2 ? "met" : "NOT met"}), ${cpuRatio.toFixed(2)}x CPU`,
  );
  return out;
}

/** The run of median wall time, with the median CPU time and the highest peak RSS of all runs. */
function medianRun(all: TimedRun[]): TimedRun {
  const mid = <T>(xs: T[], key: (x: T) => number) =>
    [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)];
  const run = mid(all, (r) => r.seconds);
  return {
    ...run,
    cpuSeconds: mid(all, (r) => r.cpuSeconds).cpuSeconds,
    rssMiB: Math.max(...all.map((r) => r.rssMiB)),
  };
}

function mustSucceed(what: string, r: TimedRun, okCodes: number[]): void {
  if (r.code === null || !okCodes.includes(r.code))
    throw new Error(`${what} exited ${r.code}:\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}`);
}

/** Alarm latency while the daemon's start-up scan (a baseline, fresh data dir) hashes the tree. */
async function latencyDuringScan(tree: string, workers: number, runs: number): Promise<string> {
  const daemon = await startAlarmDaemon(runs, fimYaml(tree, workers));
  try {
    const latencies: number[] = [];
    const t0 = performance.now();
    const scanning = () => !daemon.output().includes("fim scan finished");
    // one alarm every 100 ms for as long as the daemon's scan runs (it logs "fim scan finished")
    for (let n = 0; n < runs && scanning(); n++) {
      const started = performance.now();
      latencies.push(await daemon.fire(n));
      const pause = 100 - (performance.now() - started);
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
    if (latencies.length === 0) return "alarm latency during a scan: the scan ended before the first alarm";
    const p99 = quantile(
      [...latencies].sort((a, b) => a - b),
      0.99,
    );
    return `alarm latency during the start-up scan (${latencies.length} alarms over ${((performance.now() - t0) / 1000).toFixed(1)} s): ${latencySummary(latencies)}; target p99 < 100 ms: ${p99 < 100 ? "met" : "NOT met"}`;
  } finally {
    await daemon.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const t = args.indexOf("--tree");
  const treeArg = t >= 0 ? args[t + 1] : "gen";
  const workers = arg(args, "--workers", 2);
  const rounds = arg(args, "--rounds", 3);
  const latencyRuns = arg(args, "--latency-runs", 600);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-bench-fim-"));
  const keep = args.includes("--keep");
  try {
    let tree = treeArg;
    if (treeArg === "gen") {
      tree = path.join(dir, "tree");
      const files = arg(args, "--files", 60_000);
      const bytes = arg(args, "--mib", 2252) * 1024 * 1024;
      const t0 = performance.now();
      writeFimTree(tree, { files, bytes, seed: 1 });
      process.stdout.write(`generated ${tree} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    const aide = await ensureAide();
    process.stdout.write("building dist/ (tsc, then the CLI bundle)...\n");
    await buildCli();
    warmPageCache(tree);
    const { files, bytes, entries } = countTree(tree);

    const conf = path.join(dir, "mamori.yaml");
    fs.writeFileSync(conf, mamoriConfig(dir, tree, workers));
    const mamori = (sub: string) =>
      timedRun(process.execPath, [path.resolve("bin/mamori.js"), "fim", sub, "--config", conf], { cwd: dir });
    const aideConf = path.join(dir, "aide.conf");
    fs.writeFileSync(aideConf, aideConfig(tree, dir, workers));
    const runAide = (mode: string) => timedRun(aide as string, [`--config=${aideConf}`, mode], { cwd: dir });

    // the machine's speed drifts (other work shares it): rounds alternate the tools, medians are reported
    const runs: Record<string, TimedRun[]> = { ourInit: [], theirInit: [], ourCheck: [], theirCheck: [] };
    for (let round = 0; round < rounds; round++) {
      const r1 = await mamori("baseline");
      mustSucceed("mamori fim baseline", r1, [0]);
      runs.ourInit.push(r1);
      if (aide) {
        const r2 = await runAide("--init");
        mustSucceed("aide --init", r2, [0]);
        runs.theirInit.push(r2);
        fs.renameSync(path.join(dir, "aide.db.new"), path.join(dir, "aide.db"));
      }
      const r3 = await mamori("check");
      mustSucceed("mamori fim check", r3, [0, 3]);
      runs.ourCheck.push(r3);
      if (aide) {
        const r4 = await runAide("--check");
        mustSucceed("aide --check", r4, [0, 1, 2, 3, 4, 5, 6, 7]);
        runs.theirCheck.push(r4);
      }
    }
    const ourInit: Side = { name: "mamori fim baseline", run: medianRun(runs.ourInit) };
    const theirInit: Side | undefined = aide
      ? { name: "aide --init", run: medianRun(runs.theirInit) }
      : undefined;
    const ourCheck: Side = { name: "mamori fim check", run: medianRun(runs.ourCheck) };
    const theirCheck: Side | undefined = aide
      ? { name: "aide --check", run: medianRun(runs.theirCheck) }
      : undefined;

    const out = [
      `tree: ${tree}: ${files} regular files (${entries} entries), ${(bytes / 2 ** 30).toFixed(2)} GiB; page cache warm; median of ${rounds} alternating rounds; ${os.cpus().length} CPUs (load ${os.loadavg()[0].toFixed(2)})`,
      `attributes: sha256 size mode uid gid mtime inode; hashing threads: mamori hash_workers ${workers}, aide num_workers ${workers}${aide ? "" : " (aide missing)"}`,
      ...compare("baseline (nothing stored yet):", ourInit, theirInit, files, bytes),
      ...compare("check (nothing changed):", ourCheck, theirCheck, files, bytes),
      `  changes reported: mamori exit ${ourCheck.run.code} (0 = none), aide exit ${theirCheck?.run.code ?? "-"} (0 = none)`,
      `peak RSS target < 300 MB: baseline ${(ourInit.run.rssMiB * 1.048576).toFixed(0)} MB, check ${(ourCheck.run.rssMiB * 1.048576).toFixed(0)} MB: ${Math.max(ourInit.run.rssMiB, ourCheck.run.rssMiB) * 1.048576 < 300 ? "met" : "NOT met"}`,
    ];
    process.stdout.write(`${out.join("\n")}\n`);
    if (latencyRuns > 0) {
      // the same alarms on an idle daemon first: on a shared machine the floor itself can be tens of ms
      const idle = await startAlarmDaemon(100);
      const quiet: number[] = [];
      try {
        for (let n = 0; n < 100; n++) quiet.push(await idle.fire(n));
      } finally {
        await idle.close();
      }
      process.stdout.write(`alarm latency, no FIM (100 alarms): ${latencySummary(quiet)}\n`);
      process.stdout.write(`${await latencyDuringScan(tree, workers, latencyRuns)}\n`);
    }
  } finally {
    if (keep) process.stdout.write(`kept ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}
