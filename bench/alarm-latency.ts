/**
 * `npm run bench -- alarm-latency [--runs N]`: time from appending a matching line to a log file to the
 * webhook receiving the alarm, through the whole daemon (`mamori serve` in a child process: file source →
 * pipeline → metric filter → early-firing alarm → notification queue → HTTP POST to a local receiver).
 *
 * Each run must start from a non-ALARM state, so the benchmark uses N distinct alarms on one metric with a
 * `Run` dimension taken from the line (`run-17`): run i appends a line for run-i, which fires alarm i only.
 * CloudWatch's own path (agent upload, 1-minute metric, alarm evaluation) takes a minute or more.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnCli } from "../src/testing/cli.js";
import { startHttpReceiver } from "../src/testing/receivers.js";

function config(dir: string, log: string, url: string, runs: number): string {
  const alarms = Array.from(
    { length: runs },
    (_, i) =>
      `  - { name: run-${i}, metric: { namespace: Bench, name: Preauth, dimensions: { Run: run-${i} } }, statistic: Sum, period: 60, evaluation_periods: 1, threshold: 1, comparison: GreaterThanOrEqualToThreshold, actions: { alarm: [bench] } }`,
  );
  return `data_dir: ${path.join(dir, "data")}
log_level: info
sources:
  - { type: file, path: ${log}, group: auth, start_position: start_of_file }
metric_filters:
  - name: preauth
    group: auth
    pattern: "[mon, day, time, host, proc, w1, w2, w3, ip, marker = preauth, run = run-*]"
    metric: { namespace: Bench, name: Preauth, value: "1", dimensions: { Run: $run } }
alarms:
${alarms.join("\n")}
topics:
  - name: bench
    subscriptions:
      - { type: webhook, url: "${url}/hook", secret: bench }
`;
}

function syslogTime(d: Date): string {
  const mon = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${mon} ${String(d.getUTCDate()).padStart(2, " ")} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

/** A running `mamori serve` with `runs` alarms; fire(n) appends run-n's line and resolves with the ms to its webhook. */
export interface AlarmDaemon {
  fire(n: number): Promise<number>;
  /** what the daemon wrote to stderr so far (its log) */
  output(): string;
  close(): Promise<void>;
}

/**
 * Starts `mamori serve` with the alarm-latency config (plus extraYaml, e.g. a `fim:` section, so the
 * latency can be measured while something else runs in the daemon) and warms it up.
 */
export async function startAlarmDaemon(runs: number, extraYaml = ""): Promise<AlarmDaemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-bench-alarm-"));
  const rx = await startHttpReceiver();
  const log = path.join(dir, "auth.log");
  fs.writeFileSync(log, "");
  const file = path.join(dir, "mamori.yaml");
  fs.writeFileSync(file, config(dir, log, rx.url, runs) + extraYaml);
  const child = spawnCli(["serve", "--no-http", "--config", file], {
    cwd: dir,
    env: { TZ: "UTC", MAMORI_LOG_LEVEL: "info" },
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const close = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    await rx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    // ready once the source has read the (empty) file: a first line that matches no alarm comes back as stored
    const ready = performance.now();
    while (!stderr.includes("mamori is running")) {
      if (child.exitCode !== null) throw new Error(`mamori serve exited:\n${stderr}`);
      if (performance.now() - ready > 30_000) throw new Error(`mamori serve did not start:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const warm = runs; // run-N has no alarm: warms the file source, pipeline and metric filter
    fs.appendFileSync(
      log,
      `${syslogTime(new Date())} host sshd[1]: Connection closed by 10.0.0.1 [preauth] run-${warm}\n`,
    );
    await new Promise((r) => setTimeout(r, 1_500));
  } catch (err) {
    await close();
    throw err;
  }
  const fire = async (n: number): Promise<number> => {
    const before = rx.requests.length;
    const t0 = process.hrtime.bigint();
    fs.appendFileSync(
      log,
      `${syslogTime(new Date())} host sshd[24078]: Connection closed by 10.0.0.167 [preauth] run-${n}\n`,
    );
    const req = await rx.waitFor(before + 1, 10_000);
    const name = JSON.parse(req.body).AlarmName;
    if (name !== `run-${n}`) throw new Error(`expected the alarm run-${n}, got ${name}`);
    return Number(req.at - t0) / 1e6;
  };
  return { fire, close, output: () => stderr };
}

/** "p50 x ms, p90 y ms, p99 z ms, max, min" of latencies in ms. */
export function latencySummary(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  return `p50 ${fmt(quantile(sorted, 0.5))}, p90 ${fmt(quantile(sorted, 0.9))}, p99 ${fmt(quantile(sorted, 0.99))}, max ${fmt(sorted[sorted.length - 1])}, min ${fmt(sorted[0])}`;
}

export { quantile };

export async function run(args: string[]): Promise<void> {
  const i = args.indexOf("--runs");
  const runs = i >= 0 ? Number(args[i + 1]) : 200;
  const daemon = await startAlarmDaemon(runs);
  try {
    const latencies: number[] = [];
    for (let n = 0; n < runs; n++) latencies.push(await daemon.fire(n));
    const sorted = [...latencies].sort((a, b) => a - b);
    process.stdout.write(
      [
        `runs: ${runs} (one alarm per run, ${os.cpus().length} CPUs)`,
        `append → webhook received: ${latencySummary(latencies)}`,
        `target p99 < 1000 ms: ${quantile(sorted, 0.99) < 1000 ? "met" : "NOT met"} (CloudWatch: 60 s or more)`,
        "",
      ].join("\n"),
    );
  } finally {
    await daemon.close();
  }
}
