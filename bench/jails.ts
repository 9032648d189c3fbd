/**
 * `npm run bench -- jails [--lines N] [--peer-lines M] [--seed S] [--mix quiet|brute-force]`: mamori's sshd
 * filter against fail2ban-regex (and sshguard's sshg-parser, unpacked from Debian's package when not
 * installed) on the same generated auth.log, for each mix of lines (bench/gen/auth-log.ts; both unless
 * --mix names one), in one run:
 * lines/s, the ratio, and the matched-line count of each. fail2ban-regex is slow, so it runs on the first
 * M lines (default 100,000) and mamori is measured on those same lines too (same-input ratio) as well as
 * on all N lines; sshg-parser runs on both. mamori reads the lines from the written file (flat strings, as
 * a source hands them to a jail) into one filter instance (as a jail has), which is warmed up on the sample
 * first: a jail runs for days, and the figures are its steady state, the median of several passes over
 * the sample, interleaved with fail2ban-regex runs, since the machine's speed drifts (by up to 1.8x from one
 * pass to the next here, on shared cores): each round runs mamori for as long as fail2ban-regex ran, and
 * the ratio is given of the medians, of the best of each side, and of all runs (total lines over total
 * time, the figure that weighs the slow and fast spells alike).
 * Ban latency figures come from bench/jails-ban-latency.ts when that file exists.
 */
import { execFile, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SystemClock } from "../src/core/clock.js";
import { type JailFilter, loadJailFilter } from "../src/fail2ban/filter/index.js";
import { runRegex } from "../src/fail2ban/filter/regex-run.js";
import { AUTH_LOG_MIXES, type AuthLogMix } from "./gen/auth-log.js";
import { arg, writeLines } from "./gen/write.js";

const execFileP = promisify(execFile);
const FILTER_D = "/etc/fail2ban/filter.d";
const F2B_REGEX = "/usr/bin/fail2ban-regex";
const SSHG_PARSER = "/usr/libexec/sshguard/sshg-parser";

function writeLog(file: string, n: number, seed: number, mix: AuthLogMix): Promise<void> {
  return writeLines(file, AUTH_LOG_MIXES[mix](n, seed));
}

const ROUNDS = 4;
/** mamori passes per round at least; more until they have run as long as that round's fail2ban-regex */
const MIN_PASSES_PER_ROUND = 5;

/** The middle element of a list sorted by ms (the upper middle for an even count). */
function median<T extends { ms: number }>(sorted: T[]): T {
  return sorted[Math.floor(sorted.length / 2)];
}

/** Total time of runs. */
function total(runs: { ms: number }[]): number {
  return runs.reduce((sum, r) => sum + r.ms, 0);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function sshdFilter(clock: SystemClock): JailFilter {
  return loadJailFilter({ filter: "sshd", filterDirs: [FILTER_D], now: () => clock.now(), timezone: "UTC" });
}

/**
 * The jail path: the file read in 1 MiB chunks and each line decoded on its own, as the file source does
 * (src/sources/file/tracked-file.ts: only a chunk is in memory, and no line keeps a whole chunk alive),
 * the sshd filter over every line, counting lines with failures. The time includes reading and decoding,
 * as fail2ban-regex's does.
 */
function mamoriJail(sshd: JailFilter, file: string): { ms: number; matched: number; failures: number } {
  const t0 = performance.now();
  let matched = 0;
  let failures = 0;
  const fd = openSync(file, "r");
  const buf = Buffer.alloc(1 << 20);
  let carried = 0;
  try {
    for (
      let n = readSync(fd, buf, carried, buf.length - carried, null);
      n > 0;
      n = readSync(fd, buf, carried, buf.length - carried, null)
    ) {
      const end = carried + n;
      let pos = 0;
      for (let nl = buf.indexOf(10, pos); nl >= 0 && nl < end; nl = buf.indexOf(10, pos)) {
        const r = sshd.process(buf.toString("utf8", pos, nl));
        if (r.matched) matched++;
        failures += r.failures.length;
        pos = nl + 1;
      }
      buf.copy(buf, 0, pos, end);
      carried = end - pos;
    }
  } finally {
    closeSync(fd);
  }
  return { ms: performance.now() - t0, matched, failures };
}

async function fail2banRegex(
  file: string,
): Promise<{ ms: number; wallMs: number; matched: number } | undefined> {
  if (!existsSync(F2B_REGEX)) return undefined;
  const t0 = performance.now();
  const { stdout } = await execFileP(
    F2B_REGEX,
    ["-r", "--print-no-missed", "--print-no-ignored", file, "sshd"],
    {
      maxBuffer: 1 << 26,
    },
  );
  const wallMs = performance.now() - t0;
  const lines = /^Lines: (\d+) lines, (\d+) ignored, (\d+) matched/m.exec(stdout);
  const secs = /\[processed in ([\d.]+) sec\]/.exec(stdout);
  if (!lines || !secs) throw new Error(`unexpected fail2ban-regex output:\n${stdout.slice(0, 400)}`);
  return { ms: Number(secs[1]) * 1000, wallMs, matched: Number(lines[3]) };
}

/**
 * sshguard's parser: the installed one, or else Debian's package unpacked (never installed: no service
 * starts, nothing touches the firewall) into .bench/sshguard; undefined when neither can be had.
 */
async function findSshgParser(): Promise<string | undefined> {
  if (existsSync(SSHG_PARSER)) return SSHG_PARSER;
  const root = path.resolve(".bench/sshguard");
  const unpacked = path.join(root, SSHG_PARSER);
  if (existsSync(unpacked)) return unpacked;
  try {
    mkdirSync(root, { recursive: true });
    await execFileP("apt-get", ["download", "sshguard"], { cwd: root });
    const deb = readdirSync(root).find((f) => f.startsWith("sshguard_") && f.endsWith(".deb"));
    if (!deb) return undefined;
    await execFileP("dpkg-deb", ["-x", path.join(root, deb), root]);
    return existsSync(unpacked) ? unpacked : undefined;
  } catch (err) {
    process.stdout.write(
      `sshg-parser: could not unpack Debian's sshguard (${(err as Error).message.split("\n")[0]})\n`,
    );
    return undefined;
  }
}

/** sshg-parser reads log lines on stdin and prints one line per attack it recognizes. */
async function sshgParser(file: string): Promise<{ ms: number; attacks: number } | undefined> {
  const parser = await findSshgParser();
  if (!parser) return undefined;
  const t0 = performance.now();
  const child = spawn(parser, [], { stdio: ["pipe", "pipe", "ignore"] });
  let attacks = 0;
  let rest = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    const parts = (rest + d).split("\n");
    rest = parts.pop() ?? "";
    attacks += parts.filter((p) => p.trim()).length;
  });
  child.stdin.end(readFileSync(file));
  await new Promise((r) => child.on("close", r));
  return { ms: performance.now() - t0, attacks };
}

async function banLatencyHook(args: string[]): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = ["jails-ban-latency.ts", "jails-ban-latency.js"].map((f) => path.join(here, f));
  const file = candidates.find((f) => existsSync(f));
  if (!file) {
    process.stdout.write("ban latency: bench/jails-ban-latency.ts not present, skipped\n");
    return;
  }
  const mod = (await import(file)) as { runBanLatency?: (args: string[]) => Promise<void> };
  if (mod.runBanLatency) await mod.runBanLatency(args);
}

/** The failure ids `fail2ban-regex -r -o id` prints for a file, in order (one per failure). */
async function fail2banIds(file: string): Promise<string[] | undefined> {
  if (!existsSync(F2B_REGEX)) return undefined;
  const { stdout } = await execFileP(F2B_REGEX, ["-r", "-o", "id", file, "sshd"], { maxBuffer: 1 << 28 });
  return stdout.split("\n").filter((l) => l !== "");
}

/** The failure ids (host text as matched) the jail filter finds in a file, in order. */
function jailIds(sshd: JailFilter, file: string): string[] {
  const ids: string[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue;
    for (const f of sshd.process(line).failures) ids.push(f.host);
  }
  return ids;
}

async function runMix(mix: AuthLogMix, n: number, m: number, seed: number, dir: string): Promise<void> {
  const clock = new SystemClock();
  const sampleFile = path.join(dir, `${mix}-sample.log`);
  await writeLog(sampleFile, m, seed, mix);
  const fullFile = path.join(dir, `${mix}-full.log`);
  await writeLog(fullFile, n, seed, mix);
  const jail = sshdFilter(clock);
  for (let i = 0; i < 3; i++) mamoriJail(jail, sampleFile); // warm-up (JIT), not measured
  // this machine's speed drifts (shared cores): mamori passes and fail2ban-regex runs are interleaved,
  // and each side's median is taken
  const passes: ReturnType<typeof mamoriJail>[] = [];
  const f2bRuns: NonNullable<Awaited<ReturnType<typeof fail2banRegex>>>[] = [];
  // each round gives mamori as much time as fail2ban-regex took (the machine's slow and fast spells
  // then weigh alike on both sides), and at least MIN_PASSES_PER_ROUND passes
  for (let round = 0; round < ROUNDS; round++) {
    const r = await fail2banRegex(sampleFile);
    if (r) f2bRuns.push(r);
    let spent = 0;
    for (let i = 0; i < MIN_PASSES_PER_ROUND || spent < (r?.ms ?? 0); i++) {
      const p = mamoriJail(jail, sampleFile);
      passes.push(p);
      spent += p.ms;
    }
  }
  passes.sort((a, b) => a.ms - b.ms);
  f2bRuns.sort((a, b) => a.ms - b.ms);
  const same = median(passes);
  const f2b = f2bRuns.length ? median(f2bRuns) : undefined;
  const full = mamoriJail(sshdFilter(clock), fullFile);
  const sample = readFileSync(sampleFile, "utf8").split("\n").slice(0, -1);
  const t0 = performance.now();
  const regexStats = runRegex("sshd", sample, { filterDirs: [FILTER_D], now: () => clock.now() });
  const regexMs = performance.now() - t0;
  const f2bIds = await fail2banIds(sampleFile);
  const ourIds = jailIds(sshdFilter(clock), sampleFile);
  const sshg = await sshgParser(sampleFile);
  const sshgFull = n > m ? await sshgParser(fullFile) : undefined;

  const rate = (lines: number, ms: number) => (lines / ms) * 1000;
  const out: string[] = [];
  out.push(`-- mix "${mix}": ${fmt(n)} lines (seed ${seed}); peers run on the first ${fmt(m)} lines`);
  out.push(
    `mamori sshd (jail filter)    ${fmt(n)} lines: ${fmt(rate(n, full.ms))} lines/s, ${fmt(full.matched)} matched lines, ${fmt(full.failures)} failures`,
  );
  out.push(
    `mamori sshd (jail filter)    ${fmt(m)} lines: ${fmt(rate(m, same.ms))} lines/s (median of ${passes.length} passes; ${fmt(rate(m, passes[passes.length - 1].ms))}-${fmt(rate(m, passes[0].ms))}), ${fmt(same.matched)} matched lines`,
  );
  out.push(
    `mamori regex (fail2ban-regex semantics, all regexes) ${fmt(m)} lines: ${fmt(rate(m, regexMs))} lines/s, Lines: ${regexStats.matched} matched, ${regexStats.ignored} ignored, ${regexStats.missed} missed`,
  );
  if (f2b) {
    out.push(
      `fail2ban-regex sshd          ${fmt(m)} lines: ${fmt(rate(m, f2b.ms))} lines/s (its own processing time, median of ${f2bRuns.length} runs; ${fmt(rate(m, f2bRuns[f2bRuns.length - 1].ms))}-${fmt(rate(m, f2bRuns[0].ms))}; ${fmt(rate(m, f2b.wallMs))} lines/s wall), ${fmt(f2b.matched)} matched lines`,
    );
    out.push(
      `ratio mamori/fail2ban-regex: ${(rate(m, same.ms) / rate(m, f2b.ms)).toFixed(1)}x medians, ${(rate(m, passes[0].ms) / rate(m, f2bRuns[0].ms)).toFixed(1)}x best of each, ${(rate(m * passes.length, total(passes)) / rate(m * f2bRuns.length, total(f2bRuns))).toFixed(1)}x all runs (same ${fmt(m)} lines); matched lines ${regexStats.matched === f2b.matched ? "identical" : `DIFFER (mamori ${regexStats.matched}, fail2ban ${f2b.matched})`}`,
    );
  } else out.push("fail2ban-regex: not installed, skipped");
  if (f2bIds) {
    const firstDiff = ourIds.findIndex((id, i) => id !== f2bIds[i]);
    const same = ourIds.length === f2bIds.length && firstDiff < 0;
    out.push(
      `failures (jail filter vs fail2ban-regex -o id, in order): ${same ? `identical (${fmt(ourIds.length)})` : `DIFFER (mamori ${ourIds.length}, fail2ban ${f2bIds.length}, first at #${firstDiff})`}`,
    );
  }
  if (sshg) {
    out.push(
      `sshg-parser                  ${fmt(m)} lines: ${fmt(rate(m, sshg.ms))} lines/s (wall, incl. process start), ${fmt(sshg.attacks)} attacks reported`,
    );
    out.push(
      `ratio mamori/sshg-parser: ${(rate(m, same.ms) / rate(m, sshg.ms)).toFixed(1)}x (same ${fmt(m)} lines)`,
    );
    if (sshgFull) {
      out.push(
        `sshg-parser                  ${fmt(n)} lines: ${fmt(rate(n, sshgFull.ms))} lines/s (wall, incl. process start), ${fmt(sshgFull.attacks)} attacks reported`,
      );
      out.push(
        `ratio mamori/sshg-parser: ${(rate(n, full.ms) / rate(n, sshgFull.ms)).toFixed(1)}x (same ${fmt(n)} lines)`,
      );
    }
  } else out.push("sshg-parser: not installed, skipped");
  process.stdout.write(`${out.join("\n")}\n`);
}

export async function run(args: string[]): Promise<void> {
  const n = arg(args, "--lines", 1_000_000);
  const m = Math.min(n, arg(args, "--peer-lines", 100_000));
  const seed = arg(args, "--seed", 1);
  const i = args.indexOf("--mix");
  const mixes = (i >= 0 ? [args[i + 1]] : Object.keys(AUTH_LOG_MIXES)) as AuthLogMix[];
  for (const mix of mixes) {
    if (!(mix in AUTH_LOG_MIXES))
      throw new Error(`unknown --mix ${mix}; known: ${Object.keys(AUTH_LOG_MIXES).join(", ")}`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), "mamori-bench-jails-"));
  try {
    for (const mix of mixes) await runMix(mix, n, m, seed, dir);
    await banLatencyHook(args);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
