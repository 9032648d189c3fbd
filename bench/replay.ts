/**
 * `npm run bench -- replay [--lines N] [--runs R] [--seed S]`: `mamori replay` on the brute-force auth.log
 * mix (bench/gen/auth-log.ts, 434,195 lines by default) with the sshd jail (dry-run) and a metric filter
 * with an alarm, run as a user runs it (the CLI in its own process). Prints the lines/s replay reports
 * (its own time, from the first line read to the summary) and the wall time of the whole command, the
 * median of R runs (the machine's speed drifts). Target: >= 200,000 lines/s.
 *
 * Replay runs on two cores: the jails' fail2ban filters in a filter thread ahead of the replay loop
 * (src/replay/filter-worker.ts), the main thread storing events and running metric filters, alarms and
 * the jails' state machines with the filters' results. Its speed therefore depends on a second core
 * being free: on a loaded machine (load average above the core count) the two threads share one core's
 * worth of time and the gain shrinks; compare it with main's build side by side in one session.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { bruteForceLines } from "./gen/auth-log.js";
import { arg, writeLines } from "./gen/write.js";

const TARGET_LINES_PER_S = 200_000;
const CLI = path.resolve("src/cli/bin.ts");

function writeLog(file: string, n: number, seed: number): Promise<void> {
  return writeLines(file, bruteForceLines(n, seed));
}

function configText(dataDir: string): string {
  return `data_dir: ${dataDir}
sources:
  - { type: file, path: /var/log/auth.log, group: auth }
metric_filters:
  - name: preauth
    group: auth
    pattern: '"[preauth]"'
    metric: { namespace: Security, name: SshPreauth, value: "1" }
alarms:
  - name: ssh-preauth-storm
    metric: { namespace: Security, name: SshPreauth }
    statistic: Sum
    period: 60
    evaluation_periods: 1
    threshold: 500
    comparison: GreaterThanOrEqualToThreshold
    treat_missing_data: notBreaching
jails:
  - { name: sshd, filter: sshd, group: auth, maxretry: 5, findtime: 10m, bantime: 1h, action: nftables }
`;
}

interface Run {
  linesPerSecond: number;
  elapsedMs: number;
  wallMs: number;
  lines: number;
  bans: number;
  alarms: number;
}

async function replayOnce(dir: string, log: string, config: string, i: number): Promise<Run> {
  const t0 = performance.now();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      "--import",
      "tsx",
      CLI,
      "replay",
      log,
      "--config",
      config,
      "--data-dir",
      path.join(dir, `out-${i}`),
      "--json",
    ],
    { maxBuffer: 1 << 28 },
  );
  const wallMs = performance.now() - t0;
  const s = JSON.parse(stdout) as {
    lines: number;
    linesPerSecond: number;
    elapsedMs: number;
    bans: unknown[];
    alarms: unknown[];
  };
  return { ...s, wallMs, bans: s.bans.length, alarms: s.alarms.length };
}

export async function run(args: string[]): Promise<void> {
  const n = arg(args, "--lines", 434_195);
  const runs = arg(args, "--runs", 3);
  const seed = arg(args, "--seed", 2);
  const dir = mkdtempSync(path.join(tmpdir(), "mamori-bench-replay-"));
  try {
    const log = path.join(dir, "auth.log");
    await writeLog(log, n, seed);
    const config = path.join(dir, "mamori.yaml");
    writeFileSync(config, configText(path.join(dir, "live-data")));
    const results: Run[] = [];
    for (let i = 0; i < runs; i++) results.push(await replayOnce(dir, log, config, i));
    results.sort((a, b) => b.linesPerSecond - a.linesPerSecond);
    const med = results[Math.floor(results.length / 2)];
    const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
    process.stdout.write(
      `mamori replay, brute-force mix, ${fmt(n)} lines (seed ${seed}), sshd jail + metric filter + alarm:\n` +
        `  ${fmt(med.linesPerSecond)} lines/s (median of ${runs}; ${results.map((r) => fmt(r.linesPerSecond)).join(", ")}), ` +
        `replay ${(med.elapsedMs / 1000).toFixed(2)} s, whole command ${(med.wallMs / 1000).toFixed(2)} s wall; ` +
        `${med.bans} bans, ${med.alarms} alarm changes; target >= ${fmt(TARGET_LINES_PER_S)} lines/s: ${med.linesPerSecond >= TARGET_LINES_PER_S ? "met" : "NOT met"}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
