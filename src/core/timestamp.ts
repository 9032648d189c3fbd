/**
 * Event time from a log line, on the per-line hot path: either a `datetime_format` (strftime) compiled
 * once into a regex, or detection of the common shapes — syslog `Nov 25 08:21:45` (year inferred from
 * the clock), RFC 3339 / ISO 8601 with or without a zone, Apache `[10/Oct/2000:13:25:15 -0700]`, and
 * `2023/11/25 08:21:45` (nginx error log). Detection checks a few character positions before doing any
 * work, so a line without a time costs little. Pure: `now` is passed in, nothing reads the wall clock.
 */

import { MONTH_ABBRS, MONTH_NAMES } from "./calendar.js";

export type TimeZone = "local" | "UTC";

/** (line, now ms) → event time in ms, or undefined when the line carries no time this parser knows. */
export type TimestampParser = (line: string, now: number) => number | undefined;

const DAY_MS = 86_400_000;

const MONTH_KEYS = new Map(
  MONTH_ABBRS.map((m, i) => [(m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2), i]),
);

/** 3-letter month (any case) at line[i..i+3] → 0-11, or -1; no allocation. */
function monthAt(line: string, i: number): number {
  const key =
    ((line.charCodeAt(i) | 0x20) << 16) |
    ((line.charCodeAt(i + 1) | 0x20) << 8) |
    (line.charCodeAt(i + 2) | 0x20);
  return MONTH_KEYS.get(key) ?? -1;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Digits at line[i..i+n] as a number, or -1 when any is not a digit. */
function digits(line: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = line.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 1) return MONTH_DAYS[month];
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/** Wall time in the zone → ms since epoch (offsetMin given: that fixed offset east of UTC). */
export function wallTimeToMs(
  tz: TimeZone,
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  offsetMin?: number,
): number {
  if (offsetMin !== undefined) return Date.UTC(y, mo, d, h, mi, s, ms) - offsetMin * 60_000;
  if (tz === "UTC") return Date.UTC(y, mo, d, h, mi, s, ms);
  const t = new Date(y, mo, d, h, mi, s, ms);
  if (y < 100) t.setFullYear(y); // Date(y < 100) means 19yy
  return t.getTime();
}

/** The year at `now` in the zone; cached per hour (it runs per line). */
let yearCache = { tz: "UTC" as TimeZone, hour: Number.NaN, year: 0 };
function yearOf(now: number, tz: TimeZone): number {
  const hour = Math.floor(now / 3_600_000);
  if (hour === yearCache.hour && tz === yearCache.tz) return yearCache.year;
  const d = new Date(now);
  const year = tz === "UTC" ? d.getUTCFullYear() : d.getFullYear();
  yearCache = { tz, hour, year };
  return year;
}

/**
 * A time without a year (syslog): the latest of next/this/previous year that is not more than a day in
 * the future — a "Dec 31" line read on Jan 1 is last year's; a "Jan 1" line read on Dec 31 by a host
 * whose clock runs a little ahead is next year's.
 */
export function inferYear(
  tz: TimeZone,
  now: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  offsetMin?: number,
): number | undefined {
  const y = yearOf(now, tz);
  // next year only for January lines (read on Dec 31 from a clock running ahead)
  for (let year = mo === 0 ? y + 1 : y; year >= y - 1; year--) {
    if (d > daysInMonth(year, mo)) continue; // Feb 29 only in leap years
    const t = wallTimeToMs(tz, year, mo, d, h, mi, s, ms, offsetMin);
    if (t <= now + DAY_MS) return t;
  }
  return undefined;
}

/** ".123" / ",123456" at line[i]: milliseconds and the index after the digits. */
function fraction(line: string, i: number): { ms: number; end: number } {
  const sep = line.charCodeAt(i);
  if (sep !== 46 && sep !== 44) return { ms: 0, end: i };
  let j = i + 1;
  let ms = 0;
  let scale = 100;
  while (isDigit(line.charCodeAt(j))) {
    ms += (line.charCodeAt(j) - 48) * scale;
    scale /= 10;
    j++;
  }
  return j === i + 1 ? { ms: 0, end: i } : { ms: Math.floor(ms), end: j };
}

/** "Z", "+01:00", "+0100", "-07" at line[i] → minutes east of UTC, or undefined (no zone). */
function zoneAt(line: string, i: number): number | undefined {
  const c = line.charCodeAt(i);
  if (c === 90 /* Z */) return 0;
  if (c !== 43 && c !== 45) return undefined;
  const sign = c === 43 ? 1 : -1;
  const hh = digits(line, i + 1, 2);
  if (hh < 0) return undefined;
  let j = i + 3;
  if (line.charCodeAt(j) === 58) j++;
  const mm = digits(line, j, 2);
  return sign * (hh * 60 + Math.max(mm, 0));
}

function validClock(h: number, mi: number, s: number): boolean {
  return h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s <= 60;
}

/** "Nov 25 08:21:45" (day space-padded or two digits, optional fraction) at line[i]. */
function syslogAt(line: string, i: number, now: number, tz: TimeZone): number | undefined {
  if (line.charCodeAt(i + 3) !== 32 || line.charCodeAt(i + 9) !== 58 || line.charCodeAt(i + 12) !== 58)
    return undefined;
  const mo = monthAt(line, i);
  if (mo < 0) return undefined;
  const d = line.charCodeAt(i + 4) === 32 ? digits(line, i + 5, 1) : digits(line, i + 4, 2);
  const h = digits(line, i + 7, 2);
  const mi = digits(line, i + 10, 2);
  const s = digits(line, i + 13, 2);
  if (d < 1 || d > 31 || !validClock(h, mi, s)) return undefined;
  const { ms } = fraction(line, i + 15);
  return inferYear(tz, now, mo, d, h, mi, s, ms);
}

/** "2023-11-25T08:21:45[.123][Z|+01:00]" or with a space (or "2023/11/25 08:21:45") at line[i]. */
function isoAt(line: string, i: number, tz: TimeZone): number | undefined {
  const sep = line.charCodeAt(i + 4);
  if ((sep !== 45 && sep !== 47) || line.charCodeAt(i + 7) !== sep) return undefined;
  const t = line.charCodeAt(i + 10);
  if ((t !== 84 && t !== 32) || line.charCodeAt(i + 13) !== 58 || line.charCodeAt(i + 16) !== 58)
    return undefined;
  const y = digits(line, i, 4);
  const mo = digits(line, i + 5, 2);
  const d = digits(line, i + 8, 2);
  const h = digits(line, i + 11, 2);
  const mi = digits(line, i + 14, 2);
  const s = digits(line, i + 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || !validClock(h, mi, s)) return undefined;
  const { ms, end } = fraction(line, i + 19);
  const zone = sep === 45 ? zoneAt(line, end) : undefined;
  return wallTimeToMs(tz, y, mo - 1, d, h, mi, s, ms, zone);
}

/** Apache "10/Oct/2000:13:25:15 -0700" at line[i] (just after the "["). */
function apacheAt(line: string, i: number, tz: TimeZone): number | undefined {
  if (
    line.charCodeAt(i + 2) !== 47 ||
    line.charCodeAt(i + 6) !== 47 ||
    line.charCodeAt(i + 11) !== 58 ||
    line.charCodeAt(i + 14) !== 58 ||
    line.charCodeAt(i + 17) !== 58
  )
    return undefined;
  const d = digits(line, i, 2);
  const mo = monthAt(line, i + 3);
  const y = digits(line, i + 7, 4);
  const h = digits(line, i + 12, 2);
  const mi = digits(line, i + 15, 2);
  const s = digits(line, i + 18, 2);
  if (d < 1 || mo < 0 || y < 0 || !validClock(h, mi, s)) return undefined;
  const zone = line.charCodeAt(i + 20) === 32 ? zoneAt(line, i + 21) : undefined;
  return wallTimeToMs(tz, y, mo, d, h, mi, s, 0, zone);
}

/** How far into a line a time is looked for (prefixes like a host, a level or `ts=`). */
const SEARCH_CHARS = 96;

/**
 * Detects the line's own time: at the start (after a `<PRI>` / `<PRI>1 ` or `[`), then an Apache
 * `[dd/Mon/yyyy:…]` or an ISO date within the first characters. undefined → use the ingest time.
 */
export function detectTimestamp(line: string, now: number, tz: TimeZone = "local"): number | undefined {
  let start = 0;
  const first = line.charCodeAt(0);
  if (first === 60 /* < */) {
    const gt = line.indexOf(">");
    if (gt > 0 && gt < 5)
      start = line.charCodeAt(gt + 1) === 49 && line.charCodeAt(gt + 2) === 32 ? gt + 3 : gt + 1;
  } else if (first === 91 /* [ */) start = 1;
  const c = line.charCodeAt(start);
  if (isDigit(c)) {
    const t = isoAt(line, start, tz);
    if (t !== undefined) return t;
  } else if (c >= 65) {
    const t = syslogAt(line, start, now, tz);
    if (t !== undefined) return t;
  }
  const limit = Math.min(line.length, SEARCH_CHARS);
  for (let b = line.indexOf("[", start); b >= 0 && b < limit; b = line.indexOf("[", b + 1)) {
    if (isDigit(line.charCodeAt(b + 1))) {
      const t = apacheAt(line, b + 1, tz);
      if (t !== undefined) return t;
    }
  }
  for (let h = line.indexOf("-", start + 4); h >= 0 && h < limit; h = line.indexOf("-", h + 1)) {
    if (isDigit(line.charCodeAt(h - 4)) && !isDigit(line.charCodeAt(h - 5))) {
      const t = isoAt(line, h - 4, tz);
      if (t !== undefined) return t;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- strftime

export class DatetimeFormatError extends Error {}

interface Fields {
  y?: number;
  mo?: number;
  d?: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
  pm?: boolean;
  doy?: number;
  zone?: number;
  epoch?: number;
}

type Setter = (f: Fields, v: string) => void;

const num = (v: string) => Number.parseInt(v.trim(), 10);
const nameIndex = (names: readonly string[], v: string) => {
  const lower = v.toLowerCase();
  return names.findIndex((n) => lower.startsWith(n.slice(0, 3)));
};

/** Each strftime directive: the regex it becomes and how its text sets a field. */
const DIRECTIVES: Record<string, [string, Setter | undefined]> = {
  Y: ["(\\d{4})", (f, v) => (f.y = num(v))],
  y: ["(\\d{2})", (f, v) => (f.y = num(v) + (num(v) < 69 ? 2000 : 1900))],
  m: ["(\\d{1,2})", (f, v) => (f.mo = num(v) - 1)],
  d: ["(\\d{1,2})", (f, v) => (f.d = num(v))],
  e: ["( ?\\d{1,2})", (f, v) => (f.d = num(v))],
  j: ["(\\d{1,3})", (f, v) => (f.doy = num(v))],
  H: ["(\\d{1,2})", (f, v) => (f.h = num(v))],
  I: ["(\\d{1,2})", (f, v) => (f.h = num(v))],
  M: ["(\\d{2})", (f, v) => (f.mi = num(v))],
  S: ["(\\d{2})", (f, v) => (f.s = num(v))],
  f: ["(\\d{1,9})", (f, v) => (f.ms = Math.floor(Number(`0.${v}`) * 1000))],
  p: ["([AaPp][Mm])", (f, v) => (f.pm = v[0] === "P" || v[0] === "p")],
  b: [`(${MONTH_ABBRS.join("|")})`, (f, v) => (f.mo = nameIndex(MONTH_ABBRS, v))],
  B: [`(${MONTH_NAMES.join("|")})`, (f, v) => (f.mo = nameIndex(MONTH_ABBRS, v))],
  a: ["(?:mon|tue|wed|thu|fri|sat|sun)", undefined],
  A: ["(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)", undefined],
  z: ["(Z|[+-]\\d{2}:?\\d{2})", (f, v) => (f.zone = zoneAt(v, 0))],
  Z: ["([A-Za-z]{1,5})", (f, v) => (f.zone = /^(utc|gmt|z)$/i.test(v) ? 0 : f.zone)],
  s: ["(\\d{1,12})", (f, v) => (f.epoch = num(v))],
};
const ALIASES: Record<string, string> = { T: "%H:%M:%S", F: "%Y-%m-%d", D: "%m/%d/%y", R: "%H:%M" };

/**
 * Compiles a strftime `datetime_format` (%Y %m %d %H %M %S %b %B %e %j %y %z %Z %f %p %I %a %A %s, plus
 * %T %F %D %R and %%) into a parser that finds the first match anywhere in the line. A format without a
 * year takes it from the clock as syslog does. Throws DatetimeFormatError naming an unknown directive.
 */
export function compileDatetimeFormat(format: string, tz: TimeZone = "local"): TimestampParser {
  let expanded = format;
  for (const [k, v] of Object.entries(ALIASES)) expanded = expanded.split(`%${k}`).join(v);
  let re = "";
  const setters: Setter[] = [];
  for (let i = 0; i < expanded.length; i++) {
    const c = expanded[i];
    if (c === "%") {
      const k = expanded[++i];
      if (k === "%") re += "%";
      else {
        const d = k === undefined ? undefined : DIRECTIVES[k];
        if (!d)
          throw new DatetimeFormatError(
            `datetime_format "${format}": unknown directive %${k ?? ""}; use %Y %m %d %H %M %S %b %B %e %j %y %z %Z %f %p %I %a %A %s`,
          );
        re += d[0];
        if (d[1]) setters.push(d[1]);
      }
    } else if (c === " ") re += " +";
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  const regex = new RegExp(re, "i");
  return (line, now) => {
    const m = regex.exec(line);
    if (!m) return undefined;
    const f: Fields = { h: 0, mi: 0, s: 0, ms: 0 };
    for (let k = 0; k < setters.length; k++) setters[k](f, m[k + 1]);
    return fieldsToMs(f, now, tz);
  };
}

function fieldsToMs(f: Fields, now: number, tz: TimeZone): number | undefined {
  if (f.epoch !== undefined) return f.epoch * 1000 + f.ms;
  let h = f.h;
  if (f.pm !== undefined) h = (h % 12) + (f.pm ? 12 : 0);
  let mo = f.mo;
  let d = f.d;
  if (f.doy !== undefined && (mo === undefined || d === undefined)) {
    const year = f.y ?? yearOf(now, tz);
    const date = new Date(Date.UTC(year, 0, f.doy));
    mo = date.getUTCMonth();
    d = date.getUTCDate();
  }
  if (mo === undefined || mo < 0 || d === undefined) {
    // a time of day only: today's date in the zone
    const today = new Date(now);
    mo = tz === "UTC" ? today.getUTCMonth() : today.getMonth();
    d = tz === "UTC" ? today.getUTCDate() : today.getDate();
    if (f.y === undefined) f.y = yearOf(now, tz);
  }
  if (d < 1 || d > 31 || !validClock(h, f.mi, f.s)) return undefined;
  if (f.y === undefined) return inferYear(tz, now, mo, d, h, f.mi, f.s, f.ms, f.zone);
  return wallTimeToMs(tz, f.y, mo, d, h, f.mi, f.s, f.ms, f.zone);
}

/**
 * The parser a file source uses: the configured format when there is one (falling back to detection
 * when a line does not match it), else detection. The last syslog prefix is cached: consecutive lines
 * mostly share their second, and startsWith is cheaper than parsing.
 */
export function timestampParser(format: string | undefined, tz: TimeZone = "local"): TimestampParser {
  const compiled = format === undefined ? undefined : compileDatetimeFormat(format, tz);
  let lastPrefix = "";
  let lastMs = 0;
  let lastAt = 0;
  const detect: TimestampParser = (line, now) => {
    if (lastPrefix !== "" && now - lastAt < 60_000 && line.startsWith(lastPrefix)) {
      const c = line.charCodeAt(15);
      if (c !== 46 && c !== 44) return lastMs; // no fraction after the cached second
    }
    const c0 = line.charCodeAt(0);
    if (c0 >= 65 && c0 !== 91) {
      const t = syslogAt(line, 0, now, tz);
      if (t !== undefined) {
        lastPrefix = line.slice(0, 15);
        lastMs = t;
        lastAt = now;
        return t;
      }
    }
    return detectTimestamp(line, now, tz);
  };
  if (!compiled) return detect;
  return (line, now) => compiled(line, now) ?? detect(line, now);
}
