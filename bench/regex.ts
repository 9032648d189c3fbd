/**
 * `npm run bench -- regex [--lines N] [--runs R] [--seed S]`: `mamori regex LOG sshd` against
 * `fail2ban-regex LOG sshd` on the brute-force auth.log mix (86,839 lines by default), each as a user runs
 * it: a new process, start-up included, the installed entry point (bin/mamori.js on the built dist/,
 * rebuilt first). Runs alternate (the machine's speed drifts); prints each side's median wall time, the
 * ratio, and whether both print the same `Lines:` summary and per-regex hit counts. Target: >= 10x.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { buildCli } from "./build-cli.js";
import { bruteForceLines } from "./gen/auth-log.js";
import { arg, writeLines } from "./gen/write.js";

const execFileP = promisify(execFile);
const F2B_REGEX = "/usr/bin/fail2ban-regex";
const TARGET_RATIO = 10;

function writeLog(file: string, n: number, seed: number): Promise<void> {
  return writeLines(file, bruteForceLines(n, seed));
}

/** The parts of the report both tools print alike: the Lines: summary and "[hits] regex" rows. */
function comparable(stdout: string): string {
  const lines = /^Lines: .*$/m.exec(stdout)?.[0] ?? "(no Lines: summary)";
  const hits = [...stdout.matchAll(/^\|\s+(\d+)\) \[(\d+)\]/gm)].map((m) => `${m[1]}:${m[2]}`);
  return `${lines} ${hits.join(" ")}`;
}

async function timed(cmd: string, argv: string[]): Promise<{ ms: number; out: string }> {
  const t0 = performance.now();
  const { stdout } = await execFileP(cmd, argv, { maxBuffer: 1 << 28 });
  return { ms: performance.now() - t0, out: comparable(stdout) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(args: string[]): Promise<void> {
  const n = arg(args, "--lines", 86_839);
  const runs = arg(args, "--runs", 5);
  const seed = arg(args, "--seed", 1);
  await buildCli();
  const dir = mkdtempSync(path.join(tmpdir(), "mamori-bench-regex-"));
  try {
    const log = path.join(dir, "auth.log");
    await writeLog(log, n, seed);
    const ours: number[] = [];
    const theirs: number[] = [];
    let same = true;
    let shown = "";
    for (let i = 0; i < runs; i++) {
      const m = await timed(process.execPath, [path.resolve("bin/mamori.js"), "regex", log, "sshd"]);
      ours.push(m.ms);
      if (!existsSync(F2B_REGEX)) continue;
      const f = await timed(F2B_REGEX, [log, "sshd"]);
      theirs.push(f.ms);
      if (m.out !== f.out) same = false;
      shown = f.out;
    }
    const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const out = [
      `brute-force mix, ${n.toLocaleString("en-US")} lines (seed ${seed}), wall time with start-up:`,
    ];
    out.push(
      `mamori regex LOG sshd    ${fmt(median(ours))} (median of ${runs}: ${ours.map(fmt).join(", ")})`,
    );
    if (theirs.length) {
      out.push(
        `fail2ban-regex LOG sshd  ${fmt(median(theirs))} (median of ${runs}: ${theirs.map(fmt).join(", ")})`,
      );
      const ratio = median(theirs) / median(ours);
      out.push(
        `ratio fail2ban-regex/mamori: ${ratio.toFixed(1)}x medians (target >= ${TARGET_RATIO}x: ${ratio >= TARGET_RATIO ? "met" : "NOT met"}); output ${same ? "the same" : "DIFFERS"} (${shown})`,
      );
    } else out.push("fail2ban-regex: not installed, skipped");
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
