import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  civilFromDays,
  daysFromCivil,
  FixedZone,
  PosixZone,
  utcFromWall,
  ZoneError,
  zoneFromTzString,
} from "./zone.js";

const H = 3_600_000;
const at = (iso: string): number => Date.parse(iso.endsWith("Z") ? iso : `${iso}Z`);

describe("POSIX TZ offsets", () => {
  const table: Array<[tz: string, instant: string, offsetHours: number]> = [
    // no rules given: the EU rules (last Sunday of March 01:00 UTC → last Sunday of October 01:00 UTC)
    ["CET-01CEST-02", "2005-03-27T00:59:59Z", 1],
    ["CET-01CEST-02", "2005-03-27T01:00:00Z", 2],
    ["CET-01CEST-02", "2005-08-14T10:00:00Z", 2],
    ["CET-01CEST-02", "2005-10-30T00:59:59Z", 2],
    ["CET-01CEST-02", "2005-10-30T01:00:00Z", 1],
    ["CET-01CEST-02", "2006-03-26T01:00:00Z", 2],
    ["CET-01CEST-02", "2006-10-29T00:59:59Z", 2],
    ["CET-01CEST-02", "2006-10-29T01:00:00Z", 1],
    // fail2ban's test suite TZ: the end at 02:00 local summer time = 00:00 UTC
    ["CET-01CEST-02,M3.5.0,M10.5.0", "2005-10-29T23:59:59Z", 2],
    ["CET-01CEST-02,M3.5.0,M10.5.0", "2005-10-30T00:00:00Z", 1],
    ["EST5EDT,M3.2.0,M11.1.0", "2007-03-11T06:59:59Z", -5],
    ["EST5EDT,M3.2.0,M11.1.0", "2007-03-11T07:00:00Z", -4],
    ["EST5EDT,M3.2.0,M11.1.0", "2007-11-04T05:59:59Z", -4],
    ["EST5EDT,M3.2.0,M11.1.0", "2007-11-04T06:00:00Z", -5],
    // southern hemisphere: summer time across New Year
    ["AEST-10AEDT,M10.1.0,M4.1.0/3", "2005-01-15T00:00:00Z", 11],
    ["AEST-10AEDT,M10.1.0,M4.1.0/3", "2005-07-15T00:00:00Z", 10],
    ["<+0330>-3:30", "2005-07-15T00:00:00Z", 3.5],
    ["UTC0", "2005-07-15T00:00:00Z", 0],
    // Jn never counts Feb 29; n does
    ["AAA0BBB,J60/0,J300/0", "2004-03-01T00:00:00Z", 1],
    ["AAA0BBB,J60/0,J300/0", "2004-02-29T23:59:59Z", 0],
    ["AAA0BBB,59/0,300/0", "2004-02-29T00:00:00Z", 1],
    ["AAA0BBB,59/0,300/0", "2004-02-28T23:59:59Z", 0],
  ];
  for (const [tz, instant, hours] of table) {
    test(`${tz} at ${instant}: UTC${hours >= 0 ? "+" : ""}${hours}`, () => {
      assert.equal(new PosixZone(tz).offsetAt(at(instant)), hours * H);
    });
  }

  test("the rules-less CET-01CEST-02 agrees with IANA Europe/Berlin every hour of 2005-2007", () => {
    const posix = new PosixZone("CET-01CEST-02");
    const iana = zoneFromTzString("Europe/Berlin");
    for (let t = at("2005-01-01T00:00:00Z"); t < at("2008-01-01T00:00:00Z"); t += H) {
      assert.equal(posix.offsetAt(t), iana.offsetAt(t), new Date(t).toISOString());
    }
  });

  const bad: Array<[string, RegExp]> = [
    ["XY", /unknown time zone/],
    ["CET-01CEST-02,M3.5.0", /expected ',' before the DST end rule/],
    ["CET-01CEST-02,M13.5.0,M10.5.0", /Mm\.w\.d out of range/],
    ["Mars/Olympus_Mons", /unknown time zone .*IANA name/],
  ];
  for (const [tz, message] of bad) {
    test(`rejects ${JSON.stringify(tz)}`, () => {
      assert.throws(
        () => zoneFromTzString(tz),
        (err: unknown) => {
          assert.ok(err instanceof ZoneError);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }
});

describe("wall time → instant (glibc mktime with tm_isdst = -1)", () => {
  const zone = new PosixZone("CET-01CEST-02");
  const table: Array<[wall: string, utc: string, why: string]> = [
    ["2005-03-27T01:59:59", "2005-03-27T00:59:59Z", "last second of winter time"],
    ["2005-03-27T02:00:00", "2005-03-27T01:00:00Z", "skipped: read with the offset before the change"],
    ["2005-03-27T02:30:00", "2005-03-27T01:30:00Z", "skipped: read with the offset before the change"],
    ["2005-03-27T03:00:00", "2005-03-27T01:00:00Z", "first second of summer time"],
    ["2005-10-30T01:59:59", "2005-10-29T23:59:59Z", "summer time"],
    ["2005-10-30T02:00:00", "2005-10-30T00:00:00Z", "repeated: the earlier (summer time) instant"],
    ["2005-10-30T02:59:59", "2005-10-30T00:59:59Z", "repeated: the earlier (summer time) instant"],
    ["2005-10-30T03:00:00", "2005-10-30T02:00:00Z", "winter time"],
  ];
  for (const [wall, utc, why] of table) {
    test(`${wall} → ${utc} (${why})`, () => {
      assert.equal(utcFromWall(zone, at(wall)), at(utc));
    });
  }
  test("a fixed zone shifts by its offset", () => {
    assert.equal(utcFromWall(new FixedZone(2 * H), at("2005-08-14T12:00:00")), at("2005-08-14T10:00:00Z"));
  });
});

test("civil day numbers round-trip, including years before 100 and leap days", () => {
  for (const [y, m, d] of [
    [1970, 1, 1],
    [2000, 2, 29],
    [2005, 8, 14],
    [99, 12, 31],
    [1, 1, 1],
    [9999, 12, 31],
  ] as const) {
    assert.deepEqual(civilFromDays(daysFromCivil(y, m, d)), [y, m, d]);
  }
  assert.equal(daysFromCivil(2005, 8, 14), Date.UTC(2005, 7, 14) / 86_400_000);
});
