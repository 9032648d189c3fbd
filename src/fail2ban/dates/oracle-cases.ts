/**
 * Hand-made lines for the fail2ban cross-check (fail2ban-oracle.test.ts): each case is one detector fed
 * in order, as a log file would be.
 */
import type { OracleCase } from "./fail2ban-oracle.js";

export const TEST_NOW = 1124013600; // 2005-08-14 12:00 CEST, fail2ban's test "now"
export const CORPUS_TZ = "CET-01CEST-02,M3.5.0,M10.5.0"; // fail2ban's tests/utils.py sets exactly this TZ

export interface Labeled extends OracleCase {
  label: string;
  /** indexes of lines annotated by a # failJSON comment */
  annotated?: Set<number>;
  /** the process zone of the fail2ban run, for ours */
  processTz: string;
}

const DAY = 86400;
const utc = (s: string): number => Date.parse(`${s}Z`) / 1000;

/** the corpus zone, and UTC, as the fail2ban process zone */
const cet = { tz: CORPUS_TZ, processTz: CORPUS_TZ, now: TEST_NOW };
const inUtc = { tz: "UTC0", processTz: "UTC0", now: TEST_NOW };

function defaultTemplateCases(c: Labeled[]): void {
  c.push({
    ...cet,
    label: "every default template",
    lines: [
      "2005-08-14T11:59:59.981746 host x",
      "2005/08/14 11:59:59 host x",
      "2005.08.14 11:59:59 host x",
      "2005-08-14  8:59:59 host x",
      "2005-08-14 11:59:59+0200 host",
      "2005-08-14T09:59:59Z host",
      "Sun Aug 14 11:59:59.011 2005 host",
      "Aug 14 11:59:59 host sshd[1]: x",
      "Aug  4 01:59:59 host sshd[1]: x",
      "Sun Aug 14 2005 11:59:59.011 host",
      "14/08/2005 11:59:59 host",
      "14/08/05 11:59:59 host",
      "14-08-2005 11:59:59 host",
      "[14/Aug/2005:11:59:59 -0000] host",
      "14-Aug-2005 11:59:59.252 host",
      "14-Aug-2005 11:59:59 +0200 roundcube",
      "08/14/2005:11:59:59 cpanel",
      "08-14-2005 11:59:59.252 x",
      "1124013599 epoch",
      "[1124013599] nsd",
      "type=USER_AUTH msg=audit(1124013599.123:1234): selinux",
      "11:59:59 only time",
      "<08/14/05@11:59:59> x",
      "050814 11:59:59 mysql",
      "Aug 14, 2005 11:59:59 AM tomcat",
      "Aug 14, 2005 12:59:59 PM tomcat",
      "Aug-14-05 11:59:59 assp",
      "20050814T115959 x",
      "20050814 115959 x",
      "PDT Aug 14 02:59:59 monit",
      "+02:00 Aug 14 11:59:59 2005 x",
      "@4000000042ff0f5f2ef02e94 tai64n",
      "no date at all",
      "",
    ],
  });
}

function textCases(c: Labeled[]): void {
  c.push({
    ...cet,
    label: "non-ASCII text around dates (Python's Unicode word boundaries, code point offsets)",
    lines: [
      "ü2005-08-14 11:59:59 x",
      "→ 2005-08-14 11:59:59 x",
      "😀 Aug 14 11:59:59 x",
      "😀😀 Aug 14 11:59:59 x",
      "x 😀 2005-08-14 11:59:59 ü",
      "Aug 14 11:59:59ü x",
      "2005-08-14 11:59:59é x",
    ],
  });
  c.push({
    ...cet,
    label: "ambiguous lines (fail2ban's testAmbiguousDatePattern, default templates)",
    lines: [
      "Test failure Jan 23 21:59:59 for 192.0.2.1",
      "Aug 8 11:25:50 20030f2329b8 Authentication failed from 192.0.2.1",
      "[Aug 8 11:25:50] 20030f2329b8 Authentication failed from 192.0.2.1",
      "Aug 8 11:25:50 2014 20030f2329b8 Authentication failed from 192.0.2.1",
      "0000-12-30 00:00:00 - 2003-12-30 00:00:00",
      "text:200333 010203 | date:20031230 010203",
      "2012/10/11 02:37:17 [error] 18434#0",
      "11/10/2012 02:37:17 [error] 18434#0",
      "2012/10/11 02:37:17 [error] 18434#0",
      "192.0.2.1 at 20:00:00 01.02.2003",
      "Jan 23 21:59:59 x Jan 24 22:00:00 y",
      "message 2005-08-14 11:59:59 in the text",
      "Aug 14 11:59:59 host message 2005-08-14 11:59:58 in the text",
    ],
  });
}

const PATTERN_CASES: Array<[string, string[]]> = [
  ["%H:%M:%S %d.%m.%Y$", ["192.0.2.1 at 20:00:00 01.02.2003", "20:00:00 01.02.2003 192.0.2.1"]],
  ["\\[%H:%M:%S %d.%m.%Y\\]", ["192.0.2.1[20:00:00 01.02.2003]", "[20:00:00 01.02.2003]192.0.2.1"]],
  [
    "^\\[%d/%b/%Y %H:%M:%S\\]",
    ["[17/Jun/2011 17:00:45] Attempt, IP address 192.0.2.1", "x [17/Jun/2011 17:00:45]"],
  ],
  ["**%H:%M:%S %d.%m.%Y**", ["192.0.2.1x20:00:00 01.02.2003", "20:00:00 01.02.2003x192.0.2.1"]],
  ["\\**%H:%M:%S %d.%m.%Y\\**", ["test*20:00:00 01.02.2003*test"]],
  ["%ExY-%Exm-%Exd %ExH:%ExM:%ExS", ["0000-12-30 00:00:00 - 2003-12-30 00:00:00"]],
  ["%Y%m%d %H%M%S", ["text:200333 010203 | date:20031230 010203"]],
  ["{^LN-BEG}", ["Aug 14 11:59:59 x", "x Aug 14 11:59:59", "2005-08-14 11:59:59 x", "11:59:59 x"]],
  [
    "{^LN-BEG}%Y-%m-%d %H:%M:%S",
    ["2005-08-14 11:59:59 x", "  2005-08-14 11:59:59 x", "x 2005-08-14 11:59:59"],
  ],
  [
    "^[^\\[]*\\[({DATE})\n{^LN-BEG}",
    ["host [14/Aug/2005:11:59:59 +0200] GET", "Aug 14 11:59:59 host x", "x [Aug 14 11:59:59] y"],
  ],
  ["^<W>{DATE}", ["<W>2005-08-14 11:59:59.123 x", "<W>Aug 14 11:59:59 x"]],
  ["{NONE}", ["Aug 14 11:59:59 x", "anything"]],
  [
    "EPOCH",
    ["1124013599 x", "1124013599.123456 x", "x 1124013599", "123456789 x", "1138049999A", "A1138049999"],
  ],
  ["{^LN-BEG}EPOCH", ["1124013599 x", "[1124013599] x", "x 1124013599"]],
  [
    "LEPOCH",
    ["1124013599123 x", "1124013599123456 x", "1124013599123.456 x", "1124013599 x", "999999999999999999 x"],
  ],
  ["{^LN-BEG}LEPOCH", ["1124013599123 x"]],
  ["^type=\\S+ msg=audit\\({EPOCH}", ["type=X msg=audit(1124013599.123:9): y"]],
  ["^x={LEPOCH}", ["x=1124013599123 y"]],
  ["{^LN-BEG}TAI64N", ["@4000000042ff0f5f2ef02e94 x", "x @4000000042ff0f5f2ef02e94"]],
  ["%j %Y %H:%M:%S", ["226 2005 11:59:59 x", "366 2005 00:00:00 x", "001 2005 00:00:00 x"]],
  ["%a %U %Y %H:%M:%S", ["Sun 33 2005 11:59:59 x", "Mon 00 2005 11:59:59 x"]],
  ["%a %W %Y %H:%M:%S", ["Sun 32 2005 11:59:59 x", "Sat 00 2005 11:59:59 x"]],
  ["%w %W %Y %H:%M:%S", ["0 32 2005 11:59:59 x", "3 10 2005 11:59:59 x"]],
  ["%A, %B %d %Y %H:%M:%S", ["Sunday, August 14 2005 11:59:59 x", "sunday, AUGUST 14 2005 11:59:59 x"]],
  [
    "%d/%m/%y %I:%M:%S %p",
    ["14/08/05 12:00:00 AM x", "14/08/05 12:00:01 PM x", "14/08/99 01:00:00 pm x", "14/08/00 01:00:00 am x"],
  ],
  ["%d/%m/%y %I:%M:%S(?: %p)?", ["14/08/05 12:00:00 x", "14/08/05 11:00:00 x"]],
  [
    "%Y-%m-%d %H:%M:%S %Z",
    ["2005-08-14 11:59:59 CET x", "2005-08-14 11:59:59 PDT x", "2005-08-14 11:59:59 ABCD x"],
  ],
  ["%Y-%m-%d %H:%M:%S %ExZ", ["2005-08-14 11:59:59 NPT x", "2005-08-14 11:59:59 Z x"]],
  [
    "%Y-%m-%d %H:%M:%S ?%Exz",
    ["2005-08-14 11:59:59 CET+0130 x", "2005-08-14 11:59:59 GMT-05 x", "2005-08-14 11:59:59+05:30 x"],
  ],
  ["%c", ["Sun Aug 14 11:59:59 2005 x"]],
  ["%x %X", ["08/14/05 11:59:59 x"]],
  [
    "%Y-%m-%d %k:%M:%S",
    ["2005-08-14  9:59:59 x", "2005-08-14 24:59:59 x", "2005-02-30 11:59:59 x", "2005-08-14 11:59:60 x"],
  ],
  ["%Y-%m-%d %l:%M:%S %p", ["2005-08-14  9:59:59 PM x"]],
  ["%Y-%m-%d%Exk:%M:%S", ["2005-08-14 9:59:59 x", "2005-08-1423:59:59 x"]],
  ["%Y-%m-%d%Exl:%M:%S %p", ["2005-08-14 9:59:59 pm x", "2005-08-1412:00:00 am x"]],
  ["%G-%V-%u %H:%M:%S", ["2005-32-7 11:59:59 x"]],
  // the cut-out group is not at the end of the match
  ["^(%Y-%m-%d) %H:%M:%S", ["2005-08-14 11:59:59 x", "x 2005-08-14 11:59:59"]],
  ["^\\S+ (?P<sec>%H:%M:%S) on %d/%m/%Y", ["host 11:59:59 on 14/08/2005 x"]],
  ["%b %d %H:%M:%S", ["Feb 29 11:00:00 x", "Aug 15 11:59:59 x", "Aug 16 11:59:59 x"]],
  ["%Y-%m-%d %H:%M:%S %%", ["2005-08-14 11:59:59 % x"]],
  ["%d %H:%M:%S", ["14 11:59:59 x"]],
  ["%Y %H:%M:%S", ["2004 11:59:59 x"]],
];

function patternCases(c: Labeled[]): void {
  for (const [datepattern, lines] of PATTERN_CASES)
    c.push({ ...cet, label: `datepattern ${JSON.stringify(datepattern)}`, datepattern, lines });
}

/** year-less dates around New Year, in the corpus zone and in UTC */
function rolloverCases(c: Labeled[]): void {
  for (const [now, label] of [
    [utc("2005-01-01T00:30:00"), "Jan 1 00:30 UTC (01:30 CET)"],
    [utc("2004-12-31T22:59:00"), "Dec 31 22:59 UTC (23:59 CET)"],
    [utc("2005-12-31T12:00:00"), "Dec 31 12:00 UTC"],
    [utc("2006-02-28T23:30:00"), "Feb 28 2006"],
    [utc("2004-02-29T12:00:00"), "Feb 29 2004"],
  ] as const) {
    const lines = [
      "Dec 31 23:59:59 x",
      "Jan  1 00:00:01 x",
      "Jan  1 02:00:00 x",
      "Jan  2 00:00:00 x",
      "Jan  2 02:00:01 x",
      "Feb 29 12:00:00 x",
      "Mar  1 00:00:00 x",
      "Dec 30 10:00:00 x",
      "23:59:59 time only",
      "00:00:01 time only",
      "Dec 31 23:59:59 +0500 x",
      "Jan  1 00:30:00 +0500 x",
      "+0500 Jan  1 03:00:00 x",
    ];
    c.push({ ...cet, now, label: `year rollover, now ${label}, CET`, lines });
    c.push({ ...inUtc, now, label: `year rollover, now ${label}, UTC`, lines });
    c.push({ ...inUtc, now, logtz: "+0500", label: `year rollover, now ${label}, logtimezone +0500`, lines });
  }
}

/** DST edges of the corpus zone (EU dates, 02:00 local both ways as fail2ban's tests set them) */
function dstCases(c: Labeled[]): void {
  c.push({
    ...cet,
    label: "DST edges in CET-01CEST-02,M3.5.0,M10.5.0",
    lines: [
      "2005-03-27 01:59:59 x",
      "2005-03-27 02:00:00 x",
      "2005-03-27 02:30:00 x",
      "2005-03-27 03:00:00 x",
      "2005-10-30 00:59:59 x",
      "2005-10-30 01:00:00 x",
      "2005-10-30 01:30:00 x",
      "2005-10-30 02:00:00 x",
      "2005-10-30 02:30:00 x",
      "2005-10-30 03:00:00 x",
      "2006-03-26 02:30:00 x",
      // glibc's mktime picks an instant in the repeated hour by its guess from the previous call: after a
      // line in summer time it is the summer-time one, which is what mamori always takes
      "2006-10-29 00:59:59 x",
      "2006-10-29 01:59:59 x",
      "2006-10-29 02:00:00 x",
    ],
  });
}

/** fixed logtimezone as fail2ban's testDefaultTimeZone */
function logtimezoneCases(c: Labeled[]): void {
  const logdt = "2017-01-23 15:00:00";
  for (const logtz of [
    "UTC+0300",
    "UTC",
    "UTC-0430",
    "GMT+12",
    "CET",
    "+0100",
    "CEST-01",
    "CEST",
    "+0200",
    "CET+01",
    "CET+0100",
    "CET+0130",
  ]) {
    c.push({
      ...inUtc,
      logtz,
      label: `logtimezone ${logtz}`,
      datepattern: "^%ExY-%Exm-%Exd %H:%M:%S(?: ?%Exz)?",
      lines: [
        logdt,
        `${logdt} GMT`,
        `${logdt} -1045`,
        `${logdt} +0945`,
        `${logdt} Z`,
        `${logdt} CET`,
        `${logdt} CEST`,
        `${logdt} CET+0130`,
      ],
    });
  }
}

/** a day of lines, seconds apart across patterns (the reordering of templates) */
function mixedCases(c: Labeled[]): void {
  const mixed: string[] = [];
  for (let i = 0; i < 40; i++) {
    const t = new Date((TEST_NOW - DAY + i * 997) * 1000);
    const hh = String(t.getUTCHours()).padStart(2, "0");
    const mm = String(t.getUTCMinutes()).padStart(2, "0");
    const ss = String(t.getUTCSeconds()).padStart(2, "0");
    const forms = [
      `Aug 13 ${hh}:${mm}:${ss} host x`,
      `2005-08-13 ${hh}:${mm}:${ss} x`,
      `[13/Aug/2005:${hh}:${mm}:${ss} +0000] x`,
      `x 2005-08-13 ${hh}:${mm}:${ss}`,
      `${hh}:${mm}:${ss} x`,
      `host 1124000000 Aug 13 ${hh}:${mm}:${ss}`,
    ];
    mixed.push(forms[i % forms.length], forms[(i * 7) % forms.length]);
  }
  c.push({ ...cet, label: "mixed formats (template reordering)", lines: mixed });
}

export function syntheticCases(): Labeled[] {
  const c: Labeled[] = [];
  for (const add of [
    defaultTemplateCases,
    textCases,
    patternCases,
    rolloverCases,
    dstCases,
    logtimezoneCases,
    mixedCases,
  ])
    add(c);
  return c;
}
