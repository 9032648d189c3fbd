/**
 * The instant of a date repeated on many lines is kept (RepeatedTimeCache) only while "now" stays where it
 * would come out the same: each step below reads the same date text at another "now" with one detector,
 * and must agree with a fresh detector (nothing kept) at that "now".
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createDateDetector } from "./index.js";

const utc = (s: string) => Date.parse(`${s}Z`);

const CASES: { name: string; line: string; datepattern?: string; nows: string[] }[] = [
  {
    name: "a year-less date as the year turns (assumed year)",
    line: "Dec 31 23:59:59 host sshd[1]: x",
    nows: ["2026-12-31T23:59:59", "2027-01-01T00:00:01", "2026-12-31T23:59:59"],
  },
  {
    name: "a year-less date a day ahead of now (taken as last year) and then not",
    line: "Mar 10 12:00:00 host sshd[1]: x",
    nows: ["2026-03-09T11:59:59", "2026-03-09T12:00:01", "2026-03-09T11:59:58", "2026-03-10T12:00:00"],
  },
  {
    name: "a time without a day (assumed today), before and after it, across midnight",
    line: "12:00:00 host x",
    datepattern: "^%H:%M:%S",
    nows: ["2026-05-01T11:00:00", "2026-05-01T12:30:00", "2026-05-02T00:00:01", "2026-05-01T11:59:59"],
  },
  {
    name: "a date with its year (does not depend on now)",
    line: "2026-03-10 12:00:00 host x",
    nows: ["2026-03-01T00:00:00", "2030-01-01T00:00:00"],
  },
];

for (const c of CASES) {
  test(`repeated date: ${c.name}`, () => {
    let now = 0;
    const kept = createDateDetector({ datepattern: c.datepattern, now: () => now, timezone: "UTC" });
    for (const at of c.nows) {
      now = utc(at);
      const fresh = createDateDetector({ datepattern: c.datepattern, now: () => now, timezone: "UTC" });
      assert.deepEqual(kept.match(c.line), fresh.match(c.line), `now ${at}`);
    }
  });
}
