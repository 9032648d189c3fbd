/**
 * `mamori regex` on one long session: the lines of a failure are never gathered for the report or the
 * rows (they were copied on every line, n² for a session of n lines), and the counts stay fail2ban's.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SystemClock } from "../../core/clock.js";
import { runRegex } from "./regex-run.js";

const clock = new SystemClock();
/** fail2ban's own sshd filter (scripts/install-test-deps.sh installs fail2ban): it caches sessions (mlfid) */
const OPTIONS = { filterDirs: ["/etc/fail2ban/filter.d"], now: () => clock.now() };

function session(n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = String(i % 60).padStart(2, "0");
    lines.push(`Nov 25 08:01:${s} h sshd[7]: Failed publickey for bob from 192.0.2.1 port ${i} ssh2: RSA x`);
  }
  lines.push("Nov 25 08:02:00 h sshd[7]: Failed password for bob from 192.0.2.1 port 9 ssh2");
  return lines;
}

test("one session of nofail lines, then a failure: counts and rows as fail2ban-regex gives them", () => {
  const n = 3000;
  for (const rows of [false, true]) {
    const r = runRegex("sshd", session(n), { ...OPTIONS, rows });
    assert.equal(r.lines, n + 1);
    assert.equal(r.ignored, n);
    assert.equal(r.matched, 1);
    assert.equal(r.missed, 0);
    // failregex 4 (1-based) is "Failed publickey|password ... for bob from <HOST>"
    assert.equal(r.failHits[3], n + 1);
    assert.deepEqual(r.ignoredLines.length, n);
    assert.deepEqual(r.matchedLines, [n + 1]);
    if (rows) {
      assert.equal(r.matches.length, 1);
      assert.deepEqual(
        { ...r.matches[0], time: undefined },
        { line: n + 1, host: "192.0.2.1", time: undefined, user: "bob" },
      );
    }
  }
});
