/**
 * What the fleet benches need around real processes: `mamori` started from source with its output in a
 * file, a free loopback port, and a process's CPU time, RSS (VmRSS, peak VmHWM) and open fds read from
 * /proc (the figures `top` and `ps` show, of that one process).
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { cliEntry, repoRoot, tsxLoader } from "../src/testing/cli.js";

const CLK_TCK = 100; // Linux's USER_HZ (getconf CLK_TCK) on every architecture Node runs on

export interface ProcSample {
  /** user + system CPU time, seconds */
  cpuS: number;
  rssMb: number;
  /** peak RSS since start (VmHWM) */
  hwmMb: number;
  fds: number;
  /** R running or waiting for a core, S sleeping (waiting for work), D waiting for the disk */
  state: string;
}

export function procSample(pid: number): ProcSample | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // fields after the command name (which may hold spaces) in parentheses
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpuS = (Number(f[11]) + Number(f[12])) / CLK_TCK;
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
    let fds = 0;
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`).length;
    } catch {}
    return { cpuS, rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024, fds, state: f[0] };
  } catch {
    return undefined;
  }
}

/**
 * Samples a process every `everyMs`; `peak` keeps the largest RSS and fd count seen, `states` how often it
 * was found running or runnable (R), sleeping (S) or in the disk (D): R most of the time with little CPU
 * is a process starved of cores; S is one waiting for work; D one waiting for the disk.
 */
export function watchProc(pid: number, everyMs = 100) {
  const peak = { rssMb: 0, hwmMb: 0, fds: 0 };
  const states: Record<string, number> = {};
  let n = 0;
  const tick = () => {
    const s = procSample(pid);
    if (!s) return;
    states[s.state] = (states[s.state] ?? 0) + 1;
    if (n++ % 10 !== 0) return; // the fd count and memory every 10th sample
    peak.rssMb = Math.max(peak.rssMb, s.rssMb);
    peak.hwmMb = Math.max(peak.hwmMb, s.hwmMb);
    peak.fds = Math.max(peak.fds, s.fds);
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    peak,
    /** "R 80%, S 15%, D 5%" */
    states: () => {
      const total = Object.values(states).reduce((a, b) => a + b, 0) || 1;
      return Object.entries(states)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${Math.round((v / total) * 100)}%`)
        .join(", ");
    },
    reset: () => {
      for (const k of Object.keys(states)) delete states[k];
    },
    stop() {
      tick();
      clearInterval(timer);
    },
  };
}

/** CPU % of one core between two samples (100 = one core busy). */
export function cpuPercent(a: ProcSample | undefined, b: ProcSample | undefined, wallS: number): number {
  if (!a || !b || wallS <= 0) return Number.NaN;
  return ((b.cpuS - a.cpuS) / wallS) * 100;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The argv of the mamori CLI from source (`node --import tsx src/cli/bin.ts ARGS`). */
export function cliArgv(args: string[]): string[] {
  return ["--import", tsxLoader, cliEntry, ...args];
}

/** Starts `mamori ARGS` with stdout+stderr appended to logFile; `prefix` runs it under another program. */
export function spawnMamori(
  args: string[],
  logFile: string,
  prefix: string[] = [],
  nodeFlags: string[] = [],
): ChildProcess {
  const out = fs.openSync(logFile, "a");
  const argv = [...prefix, process.execPath, ...nodeFlags, ...cliArgv(args)];
  const child = spawn(argv[0], argv.slice(1), {
    cwd: repoRoot,
    env: { ...process.env },
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  return child;
}

/** Resolves when `re` appears in the file (polled), rejects after timeoutMs or when the child exits. */
export async function waitForLog(
  file: string,
  re: RegExp,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    if (re.test(text)) return;
    if (child && child.exitCode !== null)
      throw new Error(`the process exited (${child.exitCode}) before ${re}: ${text.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${re} in ${file}`);
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** The 1-minute load average now (what `uptime` prints first), for the record next to each figure. */
export function loadNow(): string {
  return fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}
