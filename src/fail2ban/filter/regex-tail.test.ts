/**
 * The split `mamori regex` run (a worker thread counts the second half): its result must be the one-thread
 * result, whether the worker's counts are joined (states equal at a checkpoint) or not (state never
 * equal, maxlines > 1, date formats changing after the cut).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { bruteForceLines } from "../../../bench/gen/auth-log.js";
import { SystemClock } from "../../core/clock.js";
import { eachLineOfFile } from "../../core/file-lines.js";
import { type RegexRunOptions, type RegexRunResult, runRegex, startRegexRun } from "./regex-run.js";
import { startTail } from "./regex-tail.js";

const dir = mkdtempSync(path.join(tmpdir(), "mamori-regex-tail-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const clock = new SystemClock();
/** fail2ban's own sshd filter (scripts/install-test-deps.sh installs fail2ban): it caches sessions (mlfid) */
const OPTIONS: Omit<RegexRunOptions, "now"> = { filterDirs: ["/etc/fail2ban/filter.d"] };

function writeLog(name: string, lines: Iterable<string>, end = "\n"): string {
  const file = path.join(dir, name);
  writeFileSync(file, [...lines].join("\n") + end);
  return file;
}

function counts(r: RegexRunResult) {
  const { lines, matched, ignored, missed, failHits, ignoreHits, prefregexHits, matchedLines, ignoredLines } =
    r;
  return { lines, matched, ignored, missed, failHits, ignoreHits, prefregexHits, matchedLines, ignoredLines };
}

function alone(file: string, filter: string, o = OPTIONS): RegexRunResult {
  const lines: string[] = [];
  eachLineOfFile(file, (l) => lines.push(l));
  return runRegex(filter, lines, { ...o, now: () => clock.now(), rows: false });
}

async function split(file: string, filter: string, at: number, o = OPTIONS) {
  const tail = startTail(filter, file, o, { minBytes: 0, at, busy: true });
  assert.ok(tail, "the file is split");
  const run = startRegexRun(filter, { ...o, now: () => clock.now(), rows: false });
  const result = await tail.finish(run);
  return { result, joinedAt: tail.joinedAt };
}

test("brute-force mix: the worker's counts are joined, and the result is the one-thread result", async () => {
  const file = writeLog("brute.log", bruteForceLines(6000, 3));
  const expected = counts(alone(file, "sshd"));
  assert.ok(expected.matched > 0 && expected.ignored > 0 && expected.missed > 0);
  for (const at of [0.2, 0.5, 0.9]) {
    const { result, joinedAt } = await split(file, "sshd", at);
    assert.ok(joinedAt !== undefined && joinedAt > 6000 * at - 50, `joined at ${joinedAt} (cut at ${at})`);
    assert.deepEqual(counts(result), expected, `cut at ${at}`);
  }
});

test("a session open across the cut and never closed: no equal state, the rest is counted here", async () => {
  // sshd[7]'s failure is cached with the users it saw: alice before the cut, so from a worker starting
  // after the cut (bob only) the states differ to the end
  const lines = ["Nov 25 08:00:00 h sshd[7]: Failed password for alice from 192.0.2.1 port 1 ssh2"];
  for (let i = 0; i < 3000; i++) {
    const s = String(i % 60).padStart(2, "0");
    lines.push(`Nov 25 08:01:${s} h sshd[7]: Failed password for bob from 192.0.2.1 port ${i} ssh2`);
  }
  const file = writeLog("open-session.log", lines);
  const expected = counts(alone(file, "sshd"));
  const { result, joinedAt } = await split(file, "sshd", 0.5);
  assert.equal(joinedAt, undefined);
  assert.deepEqual(counts(result), expected);
});

test("date formats changing after the cut, lines without a date, CRLF and invalid UTF-8: the one-thread result", async () => {
  const lines: string[] = [];
  const mix = [...bruteForceLines(2000, 5)];
  for (let i = 0; i < mix.length; i++) {
    const l = mix[i];
    if (i > 1200 && i % 97 === 0)
      lines.push(`2025-11-25T08:00:${String(i % 60).padStart(2, "0")} ${l.slice(16)}`);
    else if (i % 89 === 0) lines.push(l.slice(16));
    else if (i % 83 === 0) lines.push(`${l}\r`);
    else lines.push(l);
  }
  const file = path.join(dir, "mixed.log");
  writeFileSync(file, Buffer.concat([Buffer.from(lines.join("\n")), Buffer.from([0xff, 0xfe, 0x0a, 0xc3])]));
  const expected = counts(alone(file, "sshd"));
  for (const at of [0.3, 0.6]) {
    const { result, joinedAt } = await split(file, "sshd", at);
    // the worker's detector searches (undated lines, a new format) after every checkpoint: never joined
    assert.equal(joinedAt, undefined);
    assert.deepEqual(counts(result), expected);
  }
});

test("maxlines > 1: no state key, the rest is counted here", async () => {
  const file = writeLog("multi.log", bruteForceLines(1500, 7), "");
  const o = { ...OPTIONS, maxlines: 2 };
  const expected = counts(alone(file, "sshd", o));
  const { result, joinedAt } = await split(file, "sshd", 0.5, o);
  assert.equal(joinedAt, undefined);
  assert.deepEqual(counts(result), expected);
});
