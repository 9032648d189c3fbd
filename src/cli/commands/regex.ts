/**
 * `mamori regex LOG FILTER [--json] [--mode MODE]`: the fail2ban-regex equivalent. LOG is a file or a log
 * line (several with "\n"); FILTER is a filter file, a filter name in filter.d, or a regex with <HOST>.
 */
import { statSync } from "node:fs";
import type { Command } from "commander";
import { SystemClock } from "../../core/clock.js";
import { eachLineOfFile } from "../../core/file-lines.js";
import type { RegexRun, RegexRunResult } from "../../fail2ban/filter/regex-run.js";

export interface RegexOpts {
  json?: boolean;
  mode?: string;
  filterDir: string[];
  datepattern?: string;
  timezone?: string;
  maxlines?: string;
}

/** Feeds the run the lines of LOG: a file read in chunks, or the argument's own lines. */
function feedLines(log: string, isFile: boolean, run: RegexRun): void {
  if (isFile) eachLineOfFile(log, run.push);
  else for (const line of log.split("\n")) run.push(line);
}

/**
 * LOG's size when it names a regular file; undefined when it is log text or anything else (a log line
 * may be no valid path at all: too long, or "a/b" under a file).
 */
export function fileSize(log: string): number | undefined {
  try {
    const st = statSync(log, { throwIfNoEntry: false });
    return st?.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

function human(r: RegexRunResult, log: string, isFile: boolean, filter: string, ms: number): string {
  const out: string[] = ["", "Running tests", "=============", ""];
  const d = r.definition;
  out.push(
    d.files.length
      ? `Use   failregex filter file : ${d.name}, files: ${d.files.join(", ")}`
      : `Use   failregex line : ${filter}`,
  );
  out.push(
    isFile ? `Use         log file : ${log}` : `Use      single line : ${log}`,
    "",
    "Results",
    "=======",
    "",
  );
  if (d.prefregex) out.push(`Prefregex: ${r.prefregexHits} total`, `|  ${d.prefregex.text}`, "`-", "");
  const list = (title: string, regexes: { text: string }[], hits: number[]) => {
    out.push(`${title}: ${hits.reduce((a, b) => a + b, 0)} total`);
    const rows = regexes.map((x, i) => ({ x, i })).filter(({ i }) => hits[i] > 0);
    if (rows.length) {
      out.push("|- #) [# of hits] regular expression");
      for (const { x, i } of rows) out.push(`|  ${String(i + 1).padStart(2)}) [${hits[i]}] ${x.text}`);
      out.push("`-");
    }
    out.push("");
  };
  list("Failregex", d.failregex, r.failHits);
  list("Ignoreregex", d.ignoreregex, r.ignoreHits);
  out.push(`Lines: ${r.lines} lines, ${r.ignored} ignored, ${r.matched} matched, ${r.missed} missed`);
  out.push(`[processed in ${(ms / 1000).toFixed(2)} sec]`, "");
  return `${out.join("\n")}\n`;
}

export function registerRegex(program: Command): void {
  program
    .command("regex")
    .description("test a fail2ban filter or regex against a log file or line (like fail2ban-regex)")
    .argument("<log>", "a log file, or a log line")
    .argument(
      "<filter>",
      "a filter file, a filter name (sshd, sshd[mode=aggressive]) or a regex containing <HOST>",
    )
    .option("--json", "print one JSON object: counts and the failures found")
    .option("--mode <mode>", "the filter's mode (sshd: normal, ddos, extra, aggressive)")
    .option(
      "--filter-dir <dir>",
      "a filter.d directory to look names up in (repeatable; default /etc/fail2ban/filter.d)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option("--datepattern <pattern>", "override the filter's datepattern")
    .option("--timezone <tz>", "time zone of log lines without one")
    .option("--maxlines <n>", "override the filter's maxlines")
    .action(regexAction);
}

/** What `mamori regex LOG FILTER [options]` does, whether commander or the lean path parsed its argv. */
export async function regexAction(log: string, filter: string, opts: RegexOpts): Promise<void> {
  const clock = new SystemClock();
  const started = performance.now();
  const options = {
    filterDirs: opts.filterDir.length ? opts.filterDir : ["/etc/fail2ban/filter.d"],
    mode: opts.mode,
    timezone: opts.timezone,
    datepattern: opts.datepattern,
    maxlines: opts.maxlines ? Number(opts.maxlines) : undefined,
  };
  const size = fileSize(log);
  const isFile = size !== undefined;
  // the human report of a big file: its second part is counted by a worker thread at the same time
  // (started first: the thread starts while this one loads the filter engine)
  const tail =
    isFile && !opts.json
      ? (await import("../../fail2ban/filter/regex-tail.js")).startTail(filter, log, options, { size })
      : undefined;
  // loaded on use: the filter engine is only needed by this command
  const { startRegexRun } = await import("../../fail2ban/filter/regex-run.js");
  const run = startRegexRun(filter, {
    ...options,
    now: () => clock.now(),
    // the failures are printed by --json only
    rows: opts.json === true,
  });
  let r: RegexRunResult;
  if (tail) r = await tail.finish(run);
  else {
    feedLines(log, isFile, run);
    r = run.result;
  }
  const ms = performance.now() - started;
  if (opts.json) {
    const o = {
      lines: r.lines,
      matched: r.matched,
      ignored: r.ignored,
      missed: r.missed,
      elapsedMs: Math.round(ms * 1000) / 1000,
      matches: r.matches,
    };
    process.stdout.write(`${JSON.stringify(o)}\n`);
  } else process.stdout.write(human(r, log, isFile, filter, ms));
}

/** The options that take a value, as registerRegex declares them (--filter-dir repeats). */
const VALUE_OPTIONS: Record<string, keyof RegexOpts> = {
  "--mode": "mode",
  "--filter-dir": "filterDir",
  "--datepattern": "datepattern",
  "--timezone": "timezone",
  "--maxlines": "maxlines",
};

/**
 * The argv after `regex` when it is plainly a run (two arguments, the options above each followed by its
 * value, --json): what commander would make of it. Anything else (--help, --mode=x, an unknown option,
 * a value or argument that starts with "-", too few or many arguments) gives undefined, and commander
 * parses it, with its messages. Start-up was most of a short run's time, and commander and the other
 * commands' definitions a good part of it.
 */
export function plainRegexArgv(
  args: readonly string[],
): { log: string; filter: string; opts: RegexOpts } | undefined {
  const positional: string[] = [];
  const opts: RegexOpts = { filterDir: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("-")) {
      positional.push(a);
      continue;
    }
    if (a === "--json") {
      opts.json = true;
      continue;
    }
    const key = Object.hasOwn(VALUE_OPTIONS, a) ? VALUE_OPTIONS[a] : undefined;
    const value = args[i + 1];
    if (key === undefined || value === undefined || value.startsWith("-")) return undefined;
    i++;
    if (key === "filterDir") opts.filterDir.push(value);
    else if (key !== "json") opts[key] = value;
  }
  if (positional.length !== 2) return undefined;
  return { log: positional[0], filter: positional[1], opts };
}
