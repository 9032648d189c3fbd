/**
 * Oracle: on fail2ban's sample logs, `mamori regex LOG FILTER --json` must report what the real
 * fail2ban-regex reports: the failures of `-o id` (line number and host, in order), the `Lines:` counts,
 * and the matched lines of `--print-all-matched`. fail2ban-regex runs with `-r` (raw hosts) since mamori
 * never resolves host names. fail2ban-regex's code runs once per case and mode, all in one python3.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import { runCli } from "../../testing/cli.js";
import { F2B_FILTER_D, F2B_LOGS } from "./corpus.js";
import {
  type Fail2banRegexResult,
  fail2banRegexAvailable,
  parseHitRows,
  runFail2banRegex,
} from "./fail2ban-regex.js";
import { runRegex } from "./regex-run.js";

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

const available = fail2banRegexAvailable() && existsSync(F2B_LOGS);
const skip = available ? false : "fail2ban is not installed (scripts/install-test-deps.sh installs it)";
const f2bArg = (c: (typeof CASES)[number]) => (c.mode ? `${c.filter}[mode=${c.mode}]` : c.filter);

let oracle: Fail2banRegexResult[] = [];
before(async () => {
  if (!available) return;
  oracle = await runFail2banRegex(
    CASES.map((c) => ({ log: path.join(F2B_LOGS, c.log), filter: f2bArg(c), options: ["-r"] })),
  );
});

CASES.forEach((c, i) => {
  test(`oracle: mamori regex = fail2ban-regex for ${f2bArg(c)} on logs/${c.log}`, { skip }, async () => {
    const log = path.join(F2B_LOGS, c.log);
    const want = oracle[i];
    const mode = c.mode ? ["--mode", c.mode] : [];
    const cli = await runCli(["regex", log, c.filter, "--json", "--filter-dir", F2B_FILTER_D, ...mode]);
    assert.equal(cli.code, 0, cli.stderr);
    const got = JSON.parse(cli.stdout) as MamoriJson;
    assert.ok(want.failures.length > 0, "fail2ban-regex found no failure: the case tests nothing");
    assert.deepEqual(
      got.matches.map((m) => ({ line: m.line, fid: m.host })),
      want.failures,
      "failures (line, host) differ from fail2ban-regex -o id",
    );
    assert.deepEqual(
      { lines: got.lines, ignored: got.ignored, matched: got.matched, missed: got.missed },
      { lines: want.lines, ignored: want.ignored, matched: want.matched, missed: want.missed },
      "Lines: summary differs",
    );
    // the human report (no --json): the same Lines: summary and per-regex hit counts
    const report = await runCli(["regex", log, c.filter, "--filter-dir", F2B_FILTER_D, ...mode]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(
      report.stdout,
      new RegExp(
        `^Lines: ${want.lines} lines, ${want.ignored} ignored, ${want.matched} matched, ${want.missed} missed$`,
        "m",
      ),
    );
    assert.ok(want.hitRows.failregex.length > 0, "fail2ban-regex printed no failregex hits");
    assert.deepEqual(parseHitRows(report.stdout), want.hitRows, "per-regex hit counts differ");
    // fail2ban-regex prints the matched lines' text (in the order it counted them)
    const logLines = readFileSync(log, "utf8").split("\n");
    const ours = runRegex(c.filter, logLines, { filterDirs: [F2B_FILTER_D], mode: c.mode, now: () => 0 });
    assert.deepEqual(
      ours.matchedLines.map((n) => logLines[n - 1].trimEnd()),
      want.matchedTexts,
      "matched lines (fail2ban-regex --print-all-matched) differ",
    );
  });
});
