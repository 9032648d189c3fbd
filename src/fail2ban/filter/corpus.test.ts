/**
 * fail2ban's own sample corpus through mamori's filters: every `# failJSON:` annotation of every log in
 * tests/files/logs/ whose filter exists in /etc/fail2ban/filter.d, with its filterOptions, compared on
 * match, host, time, user (and attempts/users/dns where annotated). Prints passed/total per filter.
 * Annotations mamori cannot pass yet are listed in EXPECTED_FAILURES with the reason; the test fails when
 * an unlisted one fails or a listed one starts passing (then remove it from the table).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type CaseResult, corpusFilters, corpusTimes, pythonLocalTimes, runCorpusFilter } from "./corpus.js";

/** "filter|combo|file:line" → why mamori differs from fail2ban there */
const EXPECTED_FAILURES: Record<string, string> = {};

const filters = corpusFilters();

test("fail2ban sample corpus: every annotation matches", {
  skip: filters.length ? false : "fail2ban is not installed (scripts/install-test-deps.sh installs it)",
}, () => {
  const times = pythonLocalTimes(corpusTimes(filters));
  const all: CaseResult[] = [];
  const report: string[] = [];
  // a log whose annotations were all passed over (traefik-auth's CRLF lines once were) tests nothing
  const unread: string[] = [];
  for (const f of filters) {
    const results = runCorpusFilter(f, times);
    if (results.length === 0) unread.push(f);
    all.push(...results);
    const passed = results.filter((r) => r.ok).length;
    report.push(`${f.padEnd(22)} ${passed}/${results.length}`);
  }
  const passed = all.filter((r) => r.ok).length;
  report.push(`TOTAL ${passed}/${all.length} annotations (${filters.length} filters)`);
  process.stdout.write(`${report.join("\n")}\n`);
  const key = (r: CaseResult) => `${r.filter}|${r.combo}|${r.annotation.file}:${r.annotation.lineNo}`;
  const unexpected = all
    .filter((r) => !r.ok && !(key(r) in EXPECTED_FAILURES))
    .map((r) => `${key(r)}: ${r.why}\n    ${r.annotation.line}`);
  const fixed = all.filter((r) => r.ok && key(r) in EXPECTED_FAILURES).map(key);
  assert.deepEqual(unexpected, [], "annotations that fail and are not in EXPECTED_FAILURES");
  assert.deepEqual(fixed, [], "annotations in EXPECTED_FAILURES that pass now: remove them from the table");
  assert.ok(all.length > 1000, `only ${all.length} annotations found`);
  assert.deepEqual(unread, [], "corpus logs of which no annotation was read");
});
