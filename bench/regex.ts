/**
 * `npm run bench -- regex [--lines N] [--runs R] [--seed S]`: `mamori regex LOG sshd` against
 * `fail2ban-regex LOG sshd` on the brute-force auth.log mix (86,839 lines by default), each as a user runs
 * it: a new process, start-up included, the installed entry point (bin/mamori.js on the built dist/,
 * rebuilt first). Runs alternate (the machine's speed drifts); prints each side's median wall time, the
 * ratio, and whether both print the same `Lines:` summary and per-regex hit counts. Target: >= 10x.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { LineReader } from "../src/core/file-lines.js";
import { cachedDefaultTemplates } from "../src/fail2ban/dates/defaults.js";
import { LINE_BEGIN } from "../src/fail2ban/dates/template.js";
import { createFilterCore } from "../src/fail2ban/filter/index.js";
import type { F2bRegex } from "../src/fail2ban/filter/regex.js";
import { readFilterDefinition } from "../src/fail2ban/filter-reader.js";
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

async function timed(cmd: string, argv: string[]): Promise<{ ms: number; out: string; stdout: string }> {
  const t0 = performance.now();
  const { stdout } = await execFileP(cmd, argv, { maxBuffer: 1 << 28 });
  return { ms: performance.now() - t0, out: comparable(stdout), stdout };
}

/**
 * The JS regexes `mamori regex LOG sshd` runs, for bench/regex-floor.mjs: the filter's prefregex and
 * failregexes as mamori translates them, and the line-start date template that finds the log's first date.
 */
function floorRegexes(log: string): { date: object; prefregex: object; failregex: object[] } {
  const def = readFilterDefinition({ filter: "sshd", filterDirs: ["/etc/fail2ban/filter.d"] });
  const core = createFilterCore(def, {
    now: () => 0,
    mode: { checkAllRegex: true, ignorePending: false, returnRawHost: true, countOnly: true },
  });
  const js = (r: F2bRegex) => ({
    source: r.t.source,
    flags: r.t.flags,
    literal: r.t.literals[0],
    firstChars: r.t.firstChars ? [...r.t.firstChars] : undefined,
  });
  const reader = new LineReader(log);
  const first = reader.nextLines()?.[0] ?? "";
  reader.close();
  const template = cachedDefaultTemplates().find((t) => {
    if (!(t.flags & LINE_BEGIN)) return false;
    const re = t.compile().re;
    re.lastIndex = 0;
    return re.exec(first)?.index === 0;
  });
  if (!core.prefRegex || !template) throw new Error("bench regex: sshd without prefregex, or no date found");
  const date = template.compile().re;
  return {
    date: { source: date.source, flags: date.flags.replace("g", "") },
    prefregex: { ...js(core.prefRegex), content: core.prefRegex.t.named.get("content") },
    failregex: core.failRegex.map(js),
  };
}

/** "[hits] regex" counts of a report, in regex order, as the floor program prints them. */
function hitCounts(report: string, regexes: number): string {
  const hits = new Array<number>(regexes).fill(0);
  for (const m of report.matchAll(/^\|\s+(\d+)\) \[(\d+)\]/gm)) hits[Number(m[1]) - 1] = Number(m[2]);
  return hits.join(" ");
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
    const f2b = existsSync(F2B_REGEX);
    const spec = path.join(dir, "regexes.json");
    const regexes = f2b ? floorRegexes(log) : undefined;
    if (regexes) writeFileSync(spec, JSON.stringify(regexes));
    const ours: number[] = [];
    const theirs: number[] = [];
    const floor: number[] = [];
    let same = true;
    let floorSame = true;
    let shown = "";
    for (let i = 0; i < runs; i++) {
      const m = await timed(process.execPath, [path.resolve("bin/mamori.js"), "regex", log, "sshd"]);
      ours.push(m.ms);
      if (!f2b) continue;
      const r = await timed(process.execPath, [path.resolve("bench/regex-floor.mjs"), spec, log]);
      floor.push(r.ms);
      if (r.stdout.trim() !== hitCounts(m.stdout, regexes?.failregex.length ?? 0)) floorSame = false;
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
        `regexes alone (bench/regex-floor.mjs: the same regexes on the same lines, nothing else)  ${fmt(median(floor))} (median of ${runs}: ${floor.map(fmt).join(", ")}); hits per failregex ${floorSame ? "the same as mamori's" : "DIFFER from mamori's"}`,
        `ratio fail2ban-regex/regexes alone: ${(median(theirs) / median(floor)).toFixed(1)}x medians (the most any Node program doing this work could reach here)`,
      );
    } else out.push("fail2ban-regex: not installed, skipped");
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
