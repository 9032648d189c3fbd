/**
 * Oracle: on fail2ban's sample logs, `mamori regex LOG FILTER --json` must report what the real
 * fail2ban-regex reports: the `Lines:` counts, the hosts of `-o row` in order, and the matched lines of
 * `--print-all-matched`. fail2ban-regex runs with `--raw` since mamori never resolves host names.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { runCli } from "../../../test/helpers/cli.js";
import { F2B_FILTER_D, F2B_LOGS } from "./corpus.js";
import { runRegex } from "./regex-run.js";

const run = promisify(execFile);
const F2B_REGEX = "/usr/bin/fail2ban-regex";

const CASES: { log: string; filter: string; mode?: string }[] = [
  { log: "sshd", filter: "sshd", mode: "normal" },
  { log: "sshd", filter: "sshd", mode: "ddos" },
  { log: "sshd", filter: "sshd", mode: "extra" },
  { log: "sshd", filter: "sshd", mode: "aggressive" },
  { log: "apache-auth", filter: "apache-auth" },
  { log: "nginx-http-auth", filter: "nginx-http-auth" },
  { log: "postfix", filter: "postfix" },
  { log: "dovecot", filter: "dovecot" },
  { log: "recidive", filter: "recidive" },
];

interface MamoriJson {
  lines: number;
  matched: number;
  ignored: number;
  missed: number;
  matches: { line: number; host: string; time: string | null; user?: string }[];
}

/** The failure ids of `fail2ban-regex -o row` (one row per failure: `[fid, time, {...}],`). */
function rowHosts(out: string): string[] {
  const hosts: string[] = [];
  for (const line of out.split("\n")) {
    const m = /^\[(?:'([^']*)'|"([^"]*)"|None),\t/.exec(line);
    if (m) hosts.push(m[1] ?? m[2] ?? "");
  }
  return hosts;
}

function summary(out: string): { lines: number; ignored: number; matched: number; missed: number } {
  const m = /^Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed/m.exec(out);
  assert.ok(m, `no Lines: summary in fail2ban-regex output:\n${out.slice(0, 500)}`);
  return { lines: Number(m[1]), ignored: Number(m[2]), matched: Number(m[3]), missed: Number(m[4]) };
}

function matchedTexts(out: string): string[] {
  const start = out.indexOf("|- Matched line(s):");
  if (start < 0) return [];
  const texts: string[] = [];
  for (const line of out.slice(start).split("\n").slice(1)) {
    if (!line.startsWith("|  ")) break;
    texts.push(line.slice(3));
  }
  return texts;
}

const available = existsSync(F2B_REGEX) && existsSync(F2B_LOGS);

for (const c of CASES) {
  const label = `${c.filter}${c.mode ? `[mode=${c.mode}]` : ""} on logs/${c.log}`;
  test(`oracle: mamori regex = fail2ban-regex for ${label}`, {
    skip: available ? false : "fail2ban is not installed (scripts/install-test-deps.sh installs it)",
  }, async () => {
    const log = path.join(F2B_LOGS, c.log);
    const f2bFilter = c.mode ? `${c.filter}[mode=${c.mode}]` : c.filter;
    const [rows, stats, mamori] = await Promise.all([
      run(F2B_REGEX, ["-r", "-o", "row", log, f2bFilter], { maxBuffer: 1 << 26 }),
      run(
        F2B_REGEX,
        ["-r", "--print-all-matched", "--print-no-missed", "--print-no-ignored", log, f2bFilter],
        { maxBuffer: 1 << 26 },
      ),
      runCli([
        "regex",
        log,
        c.filter,
        "--json",
        "--filter-dir",
        F2B_FILTER_D,
        ...(c.mode ? ["--mode", c.mode] : []),
      ]),
    ]);
    assert.equal(mamori.code, 0, mamori.stderr);
    const got = JSON.parse(mamori.stdout) as MamoriJson;
    const want = summary(stats.stdout);
    assert.deepEqual(
      { lines: got.lines, ignored: got.ignored, matched: got.matched, missed: got.missed },
      want,
      "Lines: summary differs",
    );
    assert.deepEqual(
      got.matches.map((m) => m.host),
      rowHosts(rows.stdout),
      "hosts of the failures (fail2ban-regex -o row) differ",
    );
    // matched line numbers: fail2ban-regex prints the matched lines' text, in order
    const logLines = readFileSync(log, "utf8").split("\n");
    const ours = runRegex(c.filter, logLines, { filterDirs: [F2B_FILTER_D], mode: c.mode, now: () => 0 });
    assert.deepEqual(
      ours.matchedLines.map((n) => logLines[n - 1].trimEnd()),
      matchedTexts(stats.stdout),
      "matched lines (fail2ban-regex --print-all-matched) differ",
    );
    for (const m of got.matches)
      assert.ok(m.line >= 1 && m.line <= logLines.length, `line ${m.line} out of range`);
  });
}
