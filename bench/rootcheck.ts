/**
 * `npm run bench -- rootcheck [--runs R]`: times each rootcheck check on this host, in process (the checks
 * are I/O: a fresh process would add only start-up). The SUID/world-writable walk is compared side by side
 * with GNU find doing the same work (`find PATHS -xdev ( -perm -4000 -o -perm -2000 -o -perm -0002 )`),
 * runs alternating, medians printed with the ratio. hidden_ports and hidden_processes have no common peer
 * (chkrootkit's chkproc and OSSEC do the same loops in C): their figures are printed with the work done.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import { promisify } from "node:util";
import { DEFAULT_SYSTEM_PATHS, rootcheckSchema } from "../src/hids/rootcheck/config.js";
import { runRootcheck } from "../src/hids/rootcheck/run.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { arg } from "./gen/write.js";

const execFileP = promisify(execFile);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeChecks(checks: string[]): Promise<Record<string, number>> {
  const store = openSqliteStore(":memory:");
  try {
    const run = await runRootcheck(rootcheckSchema.parse({ checks }), {
      store: store.rootcheck,
      now: () => 0,
      host: "bench",
    });
    if (run.failures.length) throw new Error(JSON.stringify(run.failures));
    return run.timings as Record<string, number>;
  } finally {
    await store.close();
  }
}

async function timeFind(paths: string[]): Promise<number> {
  const t0 = performance.now();
  await execFileP(
    "find",
    [...paths, "-xdev", "(", "-perm", "-4000", "-o", "-perm", "-2000", "-o", "-perm", "-0002", ")"],
    { maxBuffer: 1 << 28 },
  ).catch(() => {}); // unreadable folders make find exit 1; the time still counts
  return performance.now() - t0;
}

export async function run(args: string[]): Promise<void> {
  const runs = arg(args, "--runs", 3);
  const paths = DEFAULT_SYSTEM_PATHS.filter((p) => fs.existsSync(p));
  const load = () => fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  process.stdout.write(`load average before: ${load()}\n`);
  const quick = await timeChecks([
    "hidden_processes",
    "hidden_ports",
    "promiscuous",
    "dev_files",
    "rootkit_files",
  ]);
  const pidMax = fs.readFileSync("/proc/sys/kernel/pid_max", "utf8").trim();
  process.stdout.write(`hidden_processes: ${quick.hidden_processes} ms (kill(pid, 0) for 1..${pidMax})\n`);
  process.stdout.write(`hidden_ports: ${quick.hidden_ports} ms (65,535 TCP + 65,535 UDP binds)\n`);
  for (const c of ["promiscuous", "dev_files", "rootkit_files"])
    process.stdout.write(`${c}: ${quick[c]} ms\n`);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push((await timeChecks(["suid", "world_writable"])).suid);
    theirs.push(await timeFind(paths));
  }
  const m = median(ours);
  const f = median(theirs);
  process.stdout.write(
    `suid + world_writable walk of ${paths.join(" ")}: mamori ${Math.round(m)} ms, find ${Math.round(f)} ms (median of ${runs}); mamori/find = ${(m / f).toFixed(2)}\n`,
  );
  process.stdout.write(`load average after: ${load()}\n`);
}
