/**
 * Detection → ban latency, for real: `mamori serve` runs inside a network namespace this bench creates,
 * tailing a file with the sshd jail (maxretry 1, action nftables). Each run appends one sshd failure line
 * for a new address and times it until the kernel reports that address added to the jail's nft set
 * (`nft monitor new elements` in the namespace, so no polling delay). Prints p50/p99/max over a bounded
 * number of runs; target p99 < 50 ms. `npm run bench -- jails` calls runBanLatency; options:
 * --ban-runs N (default 200).
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { createNetns, type Netns, netnsUnavailable } from "../src/actions/testing/netns.js";
import { syslogDate } from "../src/sources/journald/format.js";
import { cliInNetnsArgv } from "../src/testing/cli.js";
import { waitFor } from "../src/testing/wait.js";

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : dflt;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Watches `nft monitor new elements` in the namespace; resolves waiters when their address shows up. */
class ElementMonitor {
  private readonly child: ChildProcess;
  private readonly waiters = new Map<string, (t: number) => void>();
  private partial = "";

  constructor(ns: Netns) {
    this.child = spawn("ip", ["netns", "exec", ns.name, "nft", "monitor", "new", "elements"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    this.child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      const now = performance.now();
      const lines = (this.partial + chunk).split("\n");
      this.partial = lines.pop() ?? "";
      for (const line of lines) {
        const m = /^add element inet mamori \S+ \{ (\S+)/.exec(line);
        const w = m && this.waiters.get(m[1]);
        if (w && m) {
          this.waiters.delete(m[1]);
          w(now);
        }
      }
    });
  }

  wait(ip: string, timeoutMs: number): Promise<number | undefined> {
    return Promise.race([
      new Promise<number>((resolve) => this.waiters.set(ip, resolve)),
      delay(timeoutMs).then(() => {
        this.waiters.delete(ip);
        return undefined;
      }),
    ]);
  }

  stop(): void {
    this.child.kill("SIGKILL");
  }
}

export async function runBanLatency(args: string[]): Promise<void> {
  const why = netnsUnavailable(["nft"]);
  if (why) {
    process.stdout.write(`ban latency: skipped: ${why}\n`);
    return;
  }
  if (!fs.existsSync("/etc/fail2ban/filter.d/sshd.conf")) {
    process.stdout.write(
      "ban latency: skipped: fail2ban's filter.d (Debian package fail2ban) is not installed\n",
    );
    return;
  }
  const runs = Math.max(1, Math.min(2000, arg(args, "--ban-runs", 200)));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-bench-ban-"));
  const ns = createNetns("mamori-bench");
  let daemon: ChildProcess | undefined;
  let monitor: ElementMonitor | undefined;
  try {
    const log = path.join(dir, "auth.log");
    fs.writeFileSync(log, "");
    const config = path.join(dir, "mamori.yaml");
    fs.writeFileSync(
      config,
      [
        "data_dir: ./data",
        "sources:",
        `  - { type: file, path: ${log}, group: auth, start_position: end_of_file }`,
        "filter_dirs: [/etc/fail2ban/filter.d]",
        "jails:",
        "  - { name: sshd, filter: sshd, group: auth, maxretry: 1, bantime: 1h, action: nftables, port: ssh }",
        "",
      ].join("\n"),
    );
    let stderr = "";
    daemon = spawn("ip", cliInNetnsArgv(ns.name, ["serve", "--config", config]), {
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, MAMORI_LOG_LEVEL: "info" },
    });
    daemon.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    await waitFor("the jail's nft set", () => stderr.includes("mamori is running"), 30_000);
    monitor = new ElementMonitor(ns);
    await delay(200); // let the monitor subscribe
    const latencies: number[] = [];
    let missed = 0;
    for (let i = 0; i < runs; i++) {
      const ip = `198.${18 + Math.floor(i / 65_536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
      const seen = monitor.wait(ip, 2000);
      const t0 = performance.now();
      fs.appendFileSync(
        log,
        `${syslogDate(Date.now())} bench sshd[${1000 + i}]: Failed password for root from ${ip} port 22 ssh2\n`,
      );
      const t1 = await seen;
      if (t1 === undefined) missed++;
      else latencies.push(t1 - t0);
      await delay(5);
    }
    latencies.sort((a, b) => a - b);
    const f = (x: number) => x.toFixed(1);
    process.stdout.write(
      latencies.length === 0
        ? `ban latency: no ban seen in ${runs} runs; mamori said:\n${stderr.slice(-2000)}\n`
        : `ban latency (line appended → address in the nft set; mamori serve in a netns, file source, sshd jail, nftables): runs=${runs} banned=${latencies.length} missed=${missed} p50=${f(percentile(latencies, 50))} ms p99=${f(percentile(latencies, 99))} ms max=${f(latencies.at(-1) ?? 0)} ms (target p99 < 50 ms)\n`,
    );
  } finally {
    monitor?.stop();
    if (daemon && daemon.exitCode === null) {
      daemon.kill("SIGTERM");
      await Promise.race([new Promise((r) => daemon?.once("exit", r)), delay(10_000)]);
      if (daemon.exitCode === null) daemon.kill("SIGKILL");
    }
    ns.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm run bench -- jails-ban-latency` is not listed in bench/run.ts; bench/jails.ts calls runBanLatency. */
export const run = runBanLatency;
