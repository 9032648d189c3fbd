/**
 * The fast paths (line prefilter, forget-only matches) change nothing a filter reports: the same filter with and without them, over the
 * generated auth.log (with date-less lines whose date comes from the line before, as fail2ban reuses it)
 * and over every log of fail2ban's corpus, gives the same failures (regex, id, time, user, lines) and the
 * same ignored lines. Plus unit rows for the trigger texts it looks for.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { authLogLines } from "../../../bench/gen/auth-log.js";
import { readFilterDefinition } from "../filter-reader.js";
import { parsePyRegex } from "../pyregex/parse.js";
import { triggers } from "../pyregex/triggers.js";
import type { FilterCore, RawFailure } from "./core.js";
import { corpusFilters, F2B_FILTER_D, F2B_LOGS } from "./corpus.js";
import { type CoreMode, createFilterCore, SERVER_MODE, tupleText } from "./index.js";
import { buildLinePrefilter, classifierOptions } from "./prefilter.js";
import type { TupleLine } from "./regex.js";

const CHECK_ALL: CoreMode = { checkAllRegex: true, ignorePending: true, returnRawHost: true };

/** What a line yields, as comparable text. */
function outcome(found: RawFailure[], ignored: number[]): string {
  const rows = found.map((r) => {
    const lines = ((r.fail.matches as TupleLine[] | undefined) ?? []).map(tupleText);
    return [r.regexIndex, r.fid, r.time, r.fail.user, r.fail.nofail ? 1 : 0, lines];
  });
  return JSON.stringify([rows, ignored]);
}

interface Pair {
  plain: FilterCore;
  fast: FilterCore;
  ignored: { plain: number[]; fast: number[] };
}

function pair(filter: string, mode: CoreMode, now: () => number): Pair | undefined {
  const def = readFilterDefinition({ filter, filterDirs: [F2B_FILTER_D] });
  if (def.maxlines > 1) return undefined;
  const ignored = { plain: [] as number[], fast: [] as number[] };
  const make = (prefilter: boolean, into: number[]) =>
    createFilterCore(def, {
      now,
      timezone: "UTC",
      mode: { ...mode, fastPaths: prefilter, onIgnoreRegex: (i) => into.push(i) },
    });
  return { plain: make(false, ignored.plain), fast: make(true, ignored.fast), ignored };
}

/** Runs both cores over the lines; returns the number of lines compared and how many the prefilter skipped. */
function compare(p: Pair, lines: Iterable<string>, label: string, before?: (line: string) => void) {
  let n = 0;
  let differ = 0;
  for (const line of lines) {
    before?.(line);
    p.ignored.plain.length = 0;
    p.ignored.fast.length = 0;
    const a = outcome(p.plain.processLine(line), p.ignored.plain);
    const b = outcome(p.fast.processLine(line), p.ignored.fast);
    n++;
    if (a !== b && differ++ < 3) assert.equal(b, a, `${label}: line ${n} differs: ${line}`);
  }
  return n;
}

/** sshd over the generated auth.log in every mode and both modes of running: the same with and without the prefilter. */
function sshdOverGeneratedLog(): void {
  // the clock follows the log, so date-less lines reuse the last date as fail2ban does in operation
  let nowMs = 0;
  const now = () => nowMs;
  const syslog = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) /;
  const months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const follow = (line: string) => {
    const m = syslog.exec(line);
    if (!m) return;
    const mon = months.indexOf(m[1]) / 3;
    nowMs = Date.UTC(2026, mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) + 5_000;
  };
  const lines = [...authLogLines(20_000, 7)].map((l, i) => (i % 37 === 5 ? l.slice(16) : l));
  // sessions whose lines share a pid (the failure id of sshd's multi-line merging): failures, then lines
  // that forget or gain the id, then failures again
  const session = (i: number) => {
    const at = `Nov 25 13:${String(i % 60).padStart(2, "0")}:0${i % 10} host sshd[${7000 + (i >> 2)}]:`;
    const ip = `192.0.2.${i % 7}`;
    return [
      `${at} Failed password for invalid user u${i} from ${ip} port 22 ssh2`,
      `${at} pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=root`,
      `${at} ${["Connection closed by", "Disconnected from", "Accepted password for bob from"][i % 3]} ${ip} port 22`,
      `${at} Received disconnect from ${ip} port 22:11: Bye [preauth]`,
      `${at} Failed password for root from ${ip} port 22 ssh2`,
    ];
  };
  for (let i = 0; i < 400; i++) lines.splice(40 * i, 0, ...session(i));
  for (const mode of ["normal", "ddos", "extra", "aggressive"]) {
    for (const m of [SERVER_MODE, CHECK_ALL]) {
      const p = pair(`sshd[mode=${mode}]`, m, now);
      assert.ok(p?.fast.prefiltered, "sshd has a prefilter");
      const n = compare(p, lines, `sshd[mode=${mode}]`, follow);
      assert.equal(n, lines.length);
    }
  }
}

test("sshd over the generated auth.log (all modes): the same with and without the prefilter", () => {
  sshdOverGeneratedLog();
});

test("the same with the regex scan instead of the literal scanner (used for pieces under 4 characters)", () => {
  classifierOptions.literalScan = false;
  try {
    sshdOverGeneratedLog();
  } finally {
    classifierOptions.literalScan = true;
  }
});

test("every corpus log through its filter: the same with and without the prefilter", () => {
  const filters = corpusFilters();
  let compared = 0;
  let prefiltered = 0;
  for (const f of filters) {
    const lines = readFileSync(path.join(F2B_LOGS, f), "utf8").split("\n");
    for (const m of [SERVER_MODE, CHECK_ALL]) {
      const p = pair(f, m, () => Date.UTC(2005, 7, 14, 10));
      if (!p) continue;
      if (p.fast.prefiltered) prefiltered++;
      compared += compare(p, lines, f);
    }
  }
  assert.ok(prefiltered > 50, `only ${prefiltered} filter runs had a prefilter`);
  assert.ok(compared > 4000, `only ${compared} lines compared`);
});

test("sshd: only lines that may count a failure are read in full; forget-only lines wait for their id", () => {
  const p = pair("sshd", SERVER_MODE, () => Date.UTC(2026, 10, 25));
  const at = "Nov 25 08:00:01 web-1 sshd[20143]:";
  const rows: [string, number][] = [
    [`${at} pam_unix(sshd:session): session opened for user bob(uid=1000) by (uid=0)`, 0],
    ["Nov 25 08:00:01 web-1 CRON[2114]: pam_unix(cron:session): session closed for user root", 0],
    [`${at} Connection closed by 10.0.0.167 port 22 [preauth]`, 1],
    [`${at} Received disconnect from 10.0.0.1 port 5:11: disconnected by user`, 1],
    [`${at} Accepted publickey for bob from 10.0.0.1 port 5 ssh2: ED25519 SHA256:x`, 1],
    [`${at} Failed password for root from 203.0.113.5 port 22 ssh2`, 2],
    [`${at} Invalid user admin from 203.0.113.5 port 22`, 2],
    [`${at} Connection from 203.0.113.5 port 22 on 10.0.0.2 port 22`, 2],
  ];
  for (const [line, want] of rows) assert.equal(p?.fast.lineClass(line), want, line);
});

const TRIGGERS: [python: string, texts: string[] | undefined][] = [
  [
    String.raw`^[iI](?:llegal|nvalid) user \S+ from`,
    ["Illegal user ", "illegal user ", "Invalid user ", "invalid user "],
  ],
  [
    String.raw`^(Connection (?:closed|reset)|Disconnected) (?:by|from)`,
    [
      "Connection closed by",
      "Connection closed from",
      "Connection reset by",
      "Connection reset from",
      "Disconnected by",
      "Disconnected from",
    ],
  ],
  [String.raw`^Failed \S+ for`, ["Failed "]],
  [String.raw`(?i)login failed`, ["login failed"]],
  [String.raw`^.*$`, undefined],
  [String.raw`^(?:foo|\d+) bar`, [" bar"]],
];

test("trigger texts: every match contains one of them", () => {
  for (const [py, want] of TRIGGERS) {
    const t = triggers(parsePyRegex(py, {}).root);
    assert.deepEqual(t?.texts.slice().sort(), want?.slice().sort(), py);
  }
  assert.equal(triggers(parsePyRegex(String.raw`(?i)login failed`, {}).root)?.ci, true);
});

test("the prefilter looks for what survives a date cut out of the middle of a line", () => {
  const any = buildLinePrefilter([{ texts: ["[]LOGIN FAILED"], ci: false }], { anySeam: true });
  assert.ok(any?.("[2014-01-06 10:59:38]LOGIN FAILED for user"), "glued at the seam");
  assert.equal(any?.("nothing to see"), false);
  // with fail2ban's default templates the character after a cut date is a non-word character
  const dflt = buildLinePrefilter([{ texts: ["Failed password"], ci: false }], { anySeam: false });
  assert.ok(dflt?.("x Failed y"));
  assert.equal(dflt?.("x Fail y"), false);
  assert.equal(buildLinePrefilter([{ texts: ["x"], ci: false }], { anySeam: false }), undefined);
  assert.equal(buildLinePrefilter([undefined], { anySeam: false }), undefined);
});
