import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cachedDefaultTemplates } from "./defaults.js";
import {
  createDateDetector,
  createDateDetectorIn,
  type DateMatch,
  DatePatternError,
  timeZoneContext,
  ZoneError,
} from "./index.js";
import { PosixZone } from "./zone.js";

const at = (iso: string): number => Date.parse(iso);
/** fail2ban's test "now": 2005-08-14 12:00 CEST */
const NOW = at("2005-08-14T10:00:00Z");
const CET = "CET-01CEST-02";

function detect(
  line: string,
  opts: { datepattern?: string; now?: number; timezone?: string } = {},
): DateMatch | undefined {
  const now = opts.now ?? NOW;
  return createDateDetector({
    datepattern: opts.datepattern,
    now: () => now,
    timezone: opts.timezone ?? CET,
  }).match(line);
}

/** [time as ISO (UTC) or null, the date text cut out] */
function seen(line: string, m: DateMatch | undefined): [string | null, string] | undefined {
  if (!m) return undefined;
  return [Number.isNaN(m.time) ? null : new Date(m.time).toISOString(), line.slice(m.start, m.end)];
}

describe("each default template (no datepattern), read in CET-01CEST-02 on 2005-08-14", () => {
  const table: Array<[line: string, utc: string, text: string]> = [
    ["2005-08-14T11:59:59.981746 host x", "2005-08-14T09:59:59.000Z", "2005-08-14T11:59:59.981746"],
    ["2005/08/14 11:59:59 host x", "2005-08-14T09:59:59.000Z", "2005/08/14 11:59:59"],
    ["2005.08.14  8:59:59 syslog-ng", "2005-08-14T06:59:59.000Z", "2005.08.14  8:59:59"],
    ["2005-08-14 11:59:59+0200 x", "2005-08-14T09:59:59.000Z", "2005-08-14 11:59:59+0200"],
    ["2005-08-14T09:59:59Z x", "2005-08-14T09:59:59.000Z", "2005-08-14T09:59:59Z"],
    ["Sun Aug 14 11:59:59.011 2005 x", "2005-08-14T09:59:59.000Z", "Sun Aug 14 11:59:59.011 2005"],
    ["Aug 14 11:59:59 host sshd[1]: x", "2005-08-14T09:59:59.000Z", "Aug 14 11:59:59"],
    ["Aug  4 01:59:59 host sshd[1]: x", "2005-08-03T23:59:59.000Z", "Aug  4 01:59:59"],
    ["Sun Aug 14 2005 11:59:59.011 x", "2005-08-14T09:59:59.000Z", "Sun Aug 14 2005 11:59:59.011"],
    ["14/08/2005 11:59:59 x11vnc", "2005-08-14T09:59:59.000Z", "14/08/2005 11:59:59"],
    ["14/08/05 11:59:59 x11vnc", "2005-08-14T09:59:59.000Z", "14/08/05 11:59:59"],
    ["14-08-2005 11:59:59 x", "2005-08-14T09:59:59.000Z", "14-08-2005 11:59:59"],
    ["[14/Aug/2005:11:59:59 -0000] apache", "2005-08-14T11:59:59.000Z", "14/Aug/2005:11:59:59 -0000"],
    ["14-Aug-2005 11:59:59.252 named", "2005-08-14T09:59:59.000Z", "14-Aug-2005 11:59:59.252"],
    ["14-Aug-2005 11:59:59 +0200 roundcube", "2005-08-14T09:59:59.000Z", "14-Aug-2005 11:59:59 +0200"],
    ["08/14/2005:11:59:59 cpanel", "2005-08-14T09:59:59.000Z", "08/14/2005:11:59:59"],
    ["08-14-2005 11:59:59.252 x", "2005-08-14T09:59:59.000Z", "08-14-2005 11:59:59.252"],
    ["1124013599 epoch", "2005-08-14T09:59:59.000Z", "1124013599"],
    ["[1124013599] nsd", "2005-08-14T09:59:59.000Z", "1124013599"],
    ["type=USER_AUTH msg=audit(1124013599.123:9): x", "2005-08-14T09:59:59.123Z", "1124013599.123"],
    ["11:59:59 only a time", "2005-08-14T09:59:59.000Z", "11:59:59"],
    ["<08/14/05@11:59:59> x", "2005-08-14T09:59:59.000Z", "<08/14/05@11:59:59>"],
    ["050814 11:59:59 mysqld", "2005-08-14T09:59:59.000Z", "050814 11:59:59"],
    ["Aug 14, 2005 11:59:59 AM tomcat", "2005-08-14T09:59:59.000Z", "Aug 14, 2005 11:59:59 AM"],
    ["Aug-14-05 11:59:59 assp", "2005-08-14T09:59:59.000Z", "Aug-14-05 11:59:59"],
    ["20050814T115959 x", "2005-08-14T09:59:59.000Z", "20050814T115959"],
    ["PDT Aug 14 02:59:59 monit", "2005-08-14T09:59:59.000Z", "PDT Aug 14 02:59:59"],
    ["+02:00 Aug 14 11:59:59 2005 x", "2005-08-14T09:59:59.000Z", "+02:00 Aug 14 11:59:59 2005"],
    ["@4000000042ff161f2ef02e94 multilog", "2005-08-14T09:59:59.000Z", "@4000000042ff161f2ef02e94"],
  ];
  for (const [line, utc, text] of table) {
    test(JSON.stringify(line), () => assert.deepEqual(seen(line, detect(line)), [utc, text]));
  }
  test("a line without a date has none", () => assert.equal(detect("no date here 12:34"), undefined));
});

describe("year-less dates take the year of now, or the year before when more than a day ahead", () => {
  const table: Array<[now: string, line: string, utc: string | null]> = [
    // read on Jan 1, 00:30 CET: Dec 31 is last year's
    ["2004-12-31T23:30:00Z", "Dec 31 23:59:59 x", "2004-12-31T22:59:59.000Z"],
    ["2004-12-31T23:30:00Z", "Jan  1 00:10:00 x", "2004-12-31T23:10:00.000Z"],
    // up to a day ahead stays this year, beyond that it is last year's (fail2ban allows 24 h of clock skew)
    ["2004-12-31T23:30:00Z", "Jan  2 00:29:00 x", "2005-01-01T23:29:00.000Z"],
    ["2004-12-31T23:30:00Z", "Jan  2 00:31:00 x", "2004-01-01T23:31:00.000Z"],
    // read on Dec 31: Jan 1 is this year's, a year ago
    ["2005-12-31T22:59:00Z", "Jan  1 00:00:30 x", "2004-12-31T23:00:30.000Z"],
    // Feb 29 only exists in leap years, also when rolled back
    ["2005-08-14T10:00:00Z", "Feb 29 12:00:00 x", null],
    ["2004-08-14T10:00:00Z", "Feb 29 12:00:00 x", "2004-02-29T11:00:00.000Z"],
    ["2008-01-01T10:00:00Z", "Feb 29 12:00:00 x", null],
    // a time alone is today, or yesterday when later than now
    ["2005-08-14T10:00:00Z", "11:59:59 x", "2005-08-14T09:59:59.000Z"],
    ["2005-08-14T10:00:00Z", "12:30:00 x", "2005-08-13T10:30:00.000Z"],
    ["2005-01-01T10:00:00Z", "12:30:00 x", "2004-12-31T11:30:00.000Z"],
    // a 2-digit year is 20yy
    ["2005-08-14T10:00:00Z", "14/08/99 11:59:59 x", "2099-08-14T09:59:59.000Z"],
  ];
  for (const [now, line, utc] of table) {
    test(`${JSON.stringify(line)} on ${now}`, () => {
      const m = detect(line, { now: at(now) });
      assert.ok(m);
      assert.deepEqual(seen(line, m)?.[0], utc);
    });
  }
});

describe("DST edges in CET-01CEST-02 (EU rules when none are given)", () => {
  const table: Array<[line: string, utc: string]> = [
    ["2005-03-27 01:59:59 x", "2005-03-27T00:59:59.000Z"],
    ["2005-03-27 02:30:00 x", "2005-03-27T01:30:00.000Z"],
    ["2005-03-27 03:00:00 x", "2005-03-27T01:00:00.000Z"],
    ["2005-10-30 01:59:59 x", "2005-10-29T23:59:59.000Z"],
    ["2005-10-30 02:30:00 x", "2005-10-30T00:30:00.000Z"],
    ["2005-10-30 03:00:00 x", "2005-10-30T02:00:00.000Z"],
    ["Mar 27 03:00:00 x", "2005-03-27T01:00:00.000Z"],
    ["Oct 30 03:00:00 x", "2004-10-30T01:00:00.000Z"],
    // an explicit zone in the line wins over the log's zone
    ["2005-10-30 02:30:00 +0000 x", "2005-10-30T02:30:00.000Z"],
  ];
  for (const [line, utc] of table) test(line, () => assert.equal(seen(line, detect(line))?.[0], utc));
});

describe("logtimezone", () => {
  const line = "2017-01-23 15:00:00 x";
  const table: Array<[timezone: string, utc: string]> = [
    ["UTC", "2017-01-23T15:00:00.000Z"],
    ["+0200", "2017-01-23T13:00:00.000Z"],
    ["UTC-0430", "2017-01-23T19:30:00.000Z"],
    ["CET", "2017-01-23T14:00:00.000Z"],
    ["CEST", "2017-01-23T13:00:00.000Z"],
    ["CET+0130", "2017-01-23T12:30:00.000Z"],
    ["GMT+12", "2017-01-23T03:00:00.000Z"],
    ["Europe/Berlin", "2017-01-23T14:00:00.000Z"],
    ["America/New_York", "2017-01-23T20:00:00.000Z"],
    ["EST5EDT,M3.2.0,M11.1.0", "2017-01-23T20:00:00.000Z"],
  ];
  for (const [timezone, utc] of table) {
    test(timezone, () =>
      assert.equal(seen(line, detect(line, { timezone, now: at("2017-02-01T00:00:00Z") }))?.[0], utc),
    );
  }
  test("without one, the process zone (here given explicitly) is used", () => {
    const dd = createDateDetectorIn({ now: () => NOW }, timeZoneContext(undefined, new PosixZone("JST-9")));
    assert.equal(dd.match(line)?.time, at("2017-01-23T06:00:00Z"));
  });
  test("an unknown zone is refused with what to write instead", () => {
    assert.throws(
      () => detect(line, { timezone: "Mars/Olympus_Mons" }),
      (e: unknown) => e instanceof ZoneError && /IANA name/.test(e.message),
    );
  });
});

describe("datepattern", () => {
  const table: Array<[datepattern: string, line: string, utc: string | null | undefined, text?: string]> = [
    [
      "{^LN-BEG}%Y-%m-%d %H:%M:%S",
      "2005-08-14 11:59:59 x",
      "2005-08-14T09:59:59.000Z",
      "2005-08-14 11:59:59",
    ],
    [
      "{^LN-BEG}%Y-%m-%d %H:%M:%S",
      "[ 2005-08-14 11:59:59 x",
      "2005-08-14T09:59:59.000Z",
      "2005-08-14 11:59:59",
    ],
    ["{^LN-BEG}%Y-%m-%d %H:%M:%S", "x 2005-08-14 11:59:59", undefined],
    ["{^LN-BEG}", "Aug 14 11:59:59 host x", "2005-08-14T09:59:59.000Z", "Aug 14 11:59:59"],
    ["{^LN-BEG}", "1.2.3.4 Aug 14 11:59:59 x", undefined],
    // as in fail2ban, "host" reads as a zone name (%Z, case-insensitive) that no zone has: cut out, no time
    ["{^LN-BEG}", "host Aug 14 11:59:59 x", null, "host Aug 14 11:59:59"],
    [
      "^[^\\[]*\\[({DATE})\n{^LN-BEG}",
      "host [14/Aug/2005:11:59:59 +0200] GET /",
      "2005-08-14T09:59:59.000Z",
      "14/Aug/2005:11:59:59 +0200",
    ],
    // no group of its own: the whole match is the date text fail2ban cuts out
    ["^<W>{DATE}", "<W>2005-08-14 11:59:59.123 x", "2005-08-14T09:59:59.000Z", "<W>2005-08-14 11:59:59.123"],
    ["EPOCH", "1124013599.123456 x", "2005-08-14T09:59:59.123Z", "1124013599.123456"],
    ["EPOCH", "123456789 x", undefined],
    ["EPOCH", "1138049999A", undefined],
    ["LEPOCH", "1124013599123 x", "2005-08-14T09:59:59.123Z", "1124013599123"],
    ["LEPOCH", "1124013599123456 x", "2005-08-14T09:59:59.123Z", "1124013599123456"],
    ["LEPOCH", "1124013599 x", "2005-08-14T09:59:59.000Z", "1124013599"],
    [
      "^type=\\S+ msg=audit\\({EPOCH}",
      "type=X msg=audit(1124013599.500:9): y",
      "2005-08-14T09:59:59.500Z",
      "type=X msg=audit(1124013599.500",
    ],
    [
      "{^LN-BEG}TAI64N",
      "@4000000042ff161f2ef02e94 x",
      "2005-08-14T09:59:59.000Z",
      "@4000000042ff161f2ef02e94",
    ],
    ["%d/%m/%y %I:%M:%S %p", "14/08/05 12:00:01 PM x", "2005-08-14T10:00:01.000Z", "14/08/05 12:00:01 PM"],
    ["%d/%m/%y %I:%M:%S %p", "14/08/05 12:00:01 am x", "2005-08-13T22:00:01.000Z", "14/08/05 12:00:01 am"],
    ["%j %Y %H:%M:%S", "226 2005 11:59:59 x", "2005-08-14T09:59:59.000Z", "226 2005 11:59:59"],
    ["%a %W %Y %H:%M:%S", "Sun 32 2005 11:59:59 x", "2005-08-14T09:59:59.000Z", "Sun 32 2005 11:59:59"],
    [
      "%A, %B %d %Y %H:%M:%S",
      "sunday, AUGUST 14 2005 11:59:59 x",
      "2005-08-14T09:59:59.000Z",
      "sunday, AUGUST 14 2005 11:59:59",
    ],
    [
      "%Y-%m-%d %H:%M:%S %Z",
      "2005-08-14 11:59:59 NPT x",
      "2005-08-14T06:14:59.000Z",
      "2005-08-14 11:59:59 NPT",
    ],
    // only the pattern's own first group is cut out, even when more follows it
    ["^(%Y-%m-%d) %H:%M:%S", "2005-08-14 11:59:59 x", "2005-08-14T09:59:59.000Z", "2005-08-14"],
    // found but no date: cut out, time NaN (fail2ban: getTime gives None)
    ["%Y-%m-%d %H:%M:%S", "2005-02-30 11:59:59 x", null, "2005-02-30 11:59:59"],
    ["%Y-%m-%d %H:%M:%S %Z", "2005-08-14 11:59:59 ABCD x", null, "2005-08-14 11:59:59 ABCD"],
    // {NONE}: an empty date at the start; the time is now (no earlier date)
    ["{NONE}", "Aug 14 11:59:59 x", "2005-08-14T10:00:00.000Z", ""],
  ];
  for (const [datepattern, line, utc, text] of table) {
    test(`${JSON.stringify(datepattern)} on ${JSON.stringify(line)}`, () => {
      const m = detect(line, { datepattern });
      if (utc === undefined) assert.equal(m, undefined);
      else assert.deepEqual(seen(line, m), [utc, text]);
    });
  }

  const bad: Array<[datepattern: string, message: RegExp]> = [
    ["%Y-%m-%d %Q", /unknown directive "%Q".*at position 9/],
    ["(%ExY%Exm%Exd", /date template .*missing \)|unterminated|parenthes/i],
    ["%Y-%m-%d\n%Y-%m-%d", /datepattern line "%Y-%m-%d" repeats a template given before/],
  ];
  for (const [datepattern, message] of bad) {
    test(`refuses ${JSON.stringify(datepattern)}`, () => {
      assert.throws(
        () => detect("x", { datepattern }),
        (e: unknown) => e instanceof DatePatternError && message.test(e.message),
      );
    });
  }
});

describe("the last template found is tried first", () => {
  test("a log in one format keeps its template; an ambiguous line is read the way the log reads", () => {
    const dd = createDateDetector({ now: () => NOW, timezone: CET });
    assert.equal(dd.match("2005-08-14 11:59:58 x")?.time, at("2005-08-14T09:59:58Z"));
    // this line has two dates; the one where the last date was (at the start) wins
    const line = "2005-08-14 11:59:59 user said Aug 13 10:00:00";
    assert.deepEqual(seen(line, dd.match(line)), ["2005-08-14T09:59:59.000Z", "2005-08-14 11:59:59"]);
  });
  test("a date far into the message loses to one at the same place as before", () => {
    const dd = createDateDetector({ now: () => NOW, timezone: CET });
    dd.match("Aug 14 11:59:58 host x");
    const line = "Aug 14 11:59:59 host got 2005-08-01 00:00:00 in a message";
    assert.deepEqual(seen(line, dd.match(line)), ["2005-08-14T09:59:59.000Z", "Aug 14 11:59:59"]);
  });
});

describe("speed", () => {
  test("a 1 MiB line without a date returns promptly, with the default templates and with {^LN-BEG}", () => {
    let line = "";
    while (line.length < 1 << 20)
      line += "user root from 10.0.0.1 port 2222 ssh2: RSA SHA256:abc 12:34 Jan x 2005 ";
    for (const datepattern of [undefined, "{^LN-BEG}"]) {
      const dd = createDateDetector({ datepattern, now: () => NOW, timezone: CET });
      const t0 = performance.now();
      assert.equal(dd.match(line), undefined);
      const ms = performance.now() - t0;
      // about 150 ms on one core for all 31 default templates; generous for shared CI machines
      assert.ok(ms < 3000, `${ms.toFixed(0)} ms for ${datepattern ?? "default templates"}`);
    }
  });
});

test("every default date template translates (the detector translates them lazily, on first use)", () => {
  const all = cachedDefaultTemplates();
  assert.ok(all.length > 17, `only ${all.length} templates: the 17 defaults and their anchored copies`);
  for (const t of all) assert.ok(t.compile().re instanceof RegExp, t.name);
});
