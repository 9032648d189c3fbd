import assert from "node:assert/strict";
import { test } from "node:test";
import { compileDatetimeFormat, DatetimeFormatError, detectTimestamp, timestampParser } from "./timestamp.js";

const NOW = Date.UTC(2023, 10, 25, 9, 0, 0); // 2023-11-25T09:00:00Z
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

test("detection: the common shapes, in UTC", () => {
  const table: Array<[string, string | undefined]> = [
    ["Nov 25 08:21:45 web-1 sshd[42]: Failed password", "2023-11-25T08:21:45.000Z"],
    ["Nov  5 08:21:45 web-1 sshd[42]: day space-padded", "2023-11-05T08:21:45.000Z"],
    ["nov 25 08:21:45.250 host app: fraction", "2023-11-25T08:21:45.250Z"],
    ["2023-11-25T08:21:45Z host app", "2023-11-25T08:21:45.000Z"],
    ["2023-11-25T08:21:45.123456+01:00 host sshd[1]: rsyslog RFC 3339", "2023-11-25T07:21:45.123Z"],
    ["2023-11-25T08:21:45-0700 x", "2023-11-25T15:21:45.000Z"],
    ["2023-11-25 08:21:45,123 INFO python logging, no zone", "2023-11-25T08:21:45.123Z"],
    ["2023/11/25 08:21:45 [error] 123#0: nginx", "2023-11-25T08:21:45.000Z"],
    ['127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET / HTTP/1.0" 200', "2000-10-10T20:25:15.000Z"],
    ["<34>1 2003-10-11T22:14:15.003Z mymachine su - - -", "2003-10-11T22:14:15.003Z"],
    ["<38>Nov 25 08:00:01 web1 sshd[4242]: raw syslog", "2023-11-25T08:00:01.000Z"],
    ["[2023-11-25 08:21:45] local.ERROR: laravel", "2023-11-25T08:21:45.000Z"],
    ['level=info ts=2023-11-25T08:21:45.5Z msg="logfmt"', "2023-11-25T08:21:45.500Z"],
    ["no time here at all", undefined],
    ["Nov 99 08:21:45 bad day", undefined],
    ["2023-13-25T08:21:45Z bad month", undefined],
    ["", undefined],
    ["\u0000\u0001\ufffd binary garbage [12/xx", undefined],
  ];
  for (const [line, want] of table) assert.equal(iso(detectTimestamp(line, NOW, "UTC")), want, line);
});

test("syslog year: inferred from the clock, never more than a day ahead", () => {
  const table: Array<[string, number, string]> = [
    [
      "Dec 31 23:59:58 h a: read on New Year's morning",
      Date.UTC(2024, 0, 1, 0, 5),
      "2023-12-31T23:59:58.000Z",
    ],
    [
      "Jan  1 00:00:03 h a: written by a clock slightly ahead",
      Date.UTC(2023, 11, 31, 23, 59),
      "2024-01-01T00:00:03.000Z",
    ],
    [
      "Nov 26 08:00:00 h a: less than a day ahead is this year",
      Date.UTC(2023, 10, 25, 9),
      "2023-11-26T08:00:00.000Z",
    ],
    [
      "Nov 27 08:00:00 h a: two days ahead is last year",
      Date.UTC(2023, 10, 25, 9),
      "2022-11-27T08:00:00.000Z",
    ],
    ["Feb 29 10:00:00 h a: only leap years have it", Date.UTC(2025, 2, 1), "2024-02-29T10:00:00.000Z"],
  ];
  for (const [line, now, want] of table) assert.equal(iso(detectTimestamp(line, now, "UTC")), want, line);
});

test("datetime_format (strftime) directives", () => {
  const table: Array<[string, string, string | undefined]> = [
    ["%b %d %H:%M:%S", "Nov 25 08:21:45 host", "2023-11-25T08:21:45.000Z"],
    ["%Y-%m-%d %H:%M:%S.%f %z", "at 2023-11-25 08:21:45.123456 +0200 x", "2023-11-25T06:21:45.123Z"],
    ["%d/%b/%Y:%H:%M:%S %z", "1.2.3.4 - - [10/Oct/2000:13:25:15 -0700]", "2000-10-10T20:25:15.000Z"],
    ["%A, %B %e %Y %I:%M:%S %p", "Saturday, November  5 2023 01:02:03 PM", "2023-11-05T13:02:03.000Z"],
    ["%a %b %e %T %Y", "Sat Nov 25 08:21:45 2023 x", "2023-11-25T08:21:45.000Z"],
    ["%y%m%d %H:%M:%S", "231125 08:21:45 mysql", "2023-11-25T08:21:45.000Z"],
    ["%Y %j %H:%M:%S", "2023 329 08:21:45", "2023-11-25T08:21:45.000Z"],
    ["%s", "1700900505 epoch", "2023-11-25T08:21:45.000Z"],
    ["%F %T %Z", "2023-11-25 08:21:45 UTC", "2023-11-25T08:21:45.000Z"],
    ["%I:%M %p", "12:30 AM", "2023-11-25T00:30:00.000Z"],
    ["%Y-%m-%d", "no match here", undefined],
  ];
  for (const [format, line, want] of table)
    assert.equal(iso(compileDatetimeFormat(format, "UTC")(line, NOW)), want, `${format} | ${line}`);
});

test("datetime_format: an unknown directive is an error that names it", () => {
  assert.throws(
    () => compileDatetimeFormat("%Y %Q"),
    (e: unknown) => {
      assert.ok(e instanceof DatetimeFormatError);
      assert.match(e.message, /unknown directive %Q/);
      return true;
    },
  );
});

test("timestampParser: format first, detection as fallback, cached syslog prefix stays correct", () => {
  const p = timestampParser("%d.%m.%Y %H:%M", "UTC");
  assert.equal(iso(p("25.11.2023 08:21 x", NOW)), "2023-11-25T08:21:00.000Z");
  assert.equal(iso(p("2023-11-25T08:21:45Z other shape", NOW)), "2023-11-25T08:21:45.000Z");
  const d = timestampParser(undefined, "UTC");
  assert.equal(iso(d("Nov 25 08:21:45 a", NOW)), "2023-11-25T08:21:45.000Z");
  assert.equal(iso(d("Nov 25 08:21:45 b (cached)", NOW)), "2023-11-25T08:21:45.000Z");
  assert.equal(iso(d("Nov 25 08:21:45.5 c (fraction: not cached)", NOW)), "2023-11-25T08:21:45.500Z");
  assert.equal(iso(d("Nov 25 08:21:46 d", NOW)), "2023-11-25T08:21:46.000Z");
  assert.equal(d("plain", NOW), undefined);
});

test("local time zone follows TZ, DST included", () => {
  const saved = process.env.TZ;
  process.env.TZ = "America/New_York";
  try {
    assert.equal(
      iso(detectTimestamp("2023-07-01 12:00:00 summer", NOW, "local")),
      "2023-07-01T16:00:00.000Z",
    );
    assert.equal(
      iso(detectTimestamp("2023-01-01 12:00:00 winter", NOW, "local")),
      "2023-01-01T17:00:00.000Z",
    );
    assert.equal(
      iso(detectTimestamp("2023-07-01T12:00:00Z explicit zone wins", NOW, "local")),
      "2023-07-01T12:00:00.000Z",
    );
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});
