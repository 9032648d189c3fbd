/** Month and weekday names as fail2ban's %b/%a read them: case-insensitive, nothing else accepted. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { monthOfAbbr, monthOfName, weekdayOfAbbr } from "./directives.js";

test("month and weekday abbreviations in any case; other text is -1", () => {
  const months: [string, number][] = [
    ["Jan", 1],
    ["feb", 2],
    ["NOV", 11],
    ["dEc", 12],
    ["Nov ", -1],
    ["No", -1],
    ["N0v", -1],
    ["J@n", -1],
    ["", -1],
    ["Ｎov", -1],
  ];
  for (const [s, want] of months) assert.equal(monthOfAbbr(s), want, JSON.stringify(s));
  const days: [string, number][] = [
    ["Mon", 0],
    ["sun", 6],
    ["THU", 3],
    ["Thurs", -1],
  ];
  for (const [s, want] of days) assert.equal(weekdayOfAbbr(s), want, JSON.stringify(s));
  assert.equal(monthOfName("SEPTEMBER"), 9);
});
