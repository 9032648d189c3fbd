/**
 * fail2ban's reGroupDictStrptime (fail2ban/server/strptime.py): the date fields of a match → an instant.
 * Naive Python datetimes are kept as "wall ms" (ms on a UTC-like scale), so every comparison fail2ban
 * makes between naive datetimes is a comparison of numbers here, quirks included.
 */
import { fixedZoneOffset, monthOfAbbr, monthOfName, weekdayOfAbbr, weekdayOfName } from "./directives.js";
import {
  civilFromDays,
  DAY,
  daysFromCivil,
  daysInMonth,
  utcFromWall,
  wallFromUtc,
  type Zone,
} from "./zone.js";

export interface TimeContext {
  /** the zone fail2ban's process runs in (time.mktime, datetime.fromtimestamp) */
  local: Zone;
  /** logtimezone as a fixed offset in minutes (fail2ban's default_tz), applied when the line has no zone */
  defaultTz: number | undefined;
  /** MyTime.now(), ms */
  nowMs: number;
  /** cache: the wall time of nowMs, and its [year, month, day] */
  nowWall?: number;
  nowWallFor?: number;
  nowDate?: [number, number, number];
  /**
   * set by each resolve: the local wall times of "now" [validFrom, validTo) for which the result is the
   * same (the year or day it assumed, and the side of each "not in the future" comparison)
   */
  validFrom?: number;
  validTo?: number;
}

/** Python int() of a matched number (digits, maybe after spaces); undefined where Python raises ValueError. */
function int(v: string): number | undefined {
  let n = 0;
  let digits = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
    } else if (c !== 32 || digits > 0) return slowInt(v);
  }
  return digits > 0 ? n : undefined;
}

function slowInt(v: string): number | undefined {
  const s = v.trim();
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** Python's datetime(...) argument checks; undefined where it raises. */
function wallOf(y: number, mo: number, d: number, h: number, mi: number, s: number): number | undefined {
  if (!(y >= 1 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo))) return undefined;
  if (!(h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59)) return undefined;
  return daysFromCivil(y, mo, d) * DAY + ((h * 60 + mi) * 60 + s) * 1000;
}

/** Monday = 0, as Python's date.weekday(). */
function weekdayOfDays(days: number): number {
  return (((days + 3) % 7) + 7) % 7;
}

/** Python's _strptime._calc_julian_from_U_or_W. */
function julianFromWeek(year: number, week: number, dayOfWeek: number, weekStartsMon: boolean): number {
  let first = weekdayOfDays(daysFromCivil(year, 1, 1));
  let dow = dayOfWeek;
  if (!weekStartsMon) {
    first = (first + 1) % 7;
    dow = (dow + 1) % 7;
  }
  const week0Length = (7 - first) % 7;
  if (week === 0) return 1 + dow - first;
  return 1 + week0Length + 7 * (week - 1) + dow;
}

/** The fields reGroupDictStrptime collects from a match (Python's local variables of the same names). */
class Fields {
  year: number | undefined;
  month: number | undefined;
  day: number | undefined;
  tzoffset: number | undefined;
  weekday: number | undefined;
  julian: number | undefined;
  weekOfYear: number | undefined;
  weekStartsMon = false;
  hour = 0;
  minute = 0;
  second = 0;
  /** found_dict.get('p', ''): "" when there is no %p group, undefined when it did not take part */
  ampm: string | undefined = "";

  /** Takes one field; false where Python raises ValueError (or another error fail2ban does not survive). */
  set(key: string, val: string): boolean {
    switch (key) {
      case "y": {
        const n = int(val);
        this.year = n !== undefined && n <= 2000 ? n + 2000 : n;
        return n !== undefined;
      }
      case "B":
      case "b":
        this.month = key === "B" ? monthOfName(val) : monthOfAbbr(val);
        return this.month >= 0;
      case "I":
        return this.setHour12(int(val));
      case "A":
      case "a":
        this.weekday = key === "A" ? weekdayOfName(val) : weekdayOfAbbr(val);
        return this.weekday >= 0;
      case "U":
      case "W":
        this.weekOfYear = int(val);
        this.weekStartsMon = key === "W";
        return this.weekOfYear !== undefined;
      case "z":
      case "Z":
        return this.setZone(val);
      default:
        return this.setNumber(key, int(val));
    }
  }

  private setNumber(key: string, n: number | undefined): boolean {
    if (n === undefined) return key === "p";
    if (key === "Y") this.year = n;
    else if (key === "m") this.month = n;
    else if (key === "d") this.day = n;
    else if (key === "H") this.hour = n;
    else if (key === "M") this.minute = n;
    else if (key === "S") this.second = n;
    else if (key === "j") this.julian = n;
    else if (key === "w") this.weekday = n - 1 < 0 ? 6 : n - 1;
    return true;
  }

  private setHour12(n: number | undefined): boolean {
    // a %p group that did not take part is None in Python, and None.lower() fails
    if (n === undefined || this.ampm === undefined) return false;
    const p = this.ampm.toLowerCase();
    if (p === "" || p === "am") this.hour = n === 12 ? 0 : n;
    else this.hour = p === "pm" && n !== 12 ? n + 12 : n;
    return true;
  }

  private setZone(val: string): boolean {
    if (val === "Z" || val === "UTC" || val === "GMT") {
      this.tzoffset = 0;
      return true;
    }
    try {
      this.tzoffset = fixedZoneOffset(val);
    } catch {
      return false;
    }
    return this.tzoffset !== undefined;
  }
}

/**
 * The instant (ms) of the date fields of a match (`fields`: [Python group name, JS group names] in Python
 * group order), or undefined where fail2ban's getTime gives None (an impossible date, an unknown zone).
 */
export function timeFromMatch(
  fields: ReadonlyArray<readonly [string, readonly number[]]>,
  m: RegExpExecArray,
  ctx: TimeContext,
): number | undefined {
  const f = new Fields();
  for (const [key, at] of fields) if (key === "p") f.ampm = value(m, at);
  for (const [key, at] of fields) {
    const val = value(m, at);
    if (val !== undefined && !f.set(key, val)) return undefined;
  }
  return resolve(f, ctx);
}

/** The first JS copy of a Python group that took part in the match. */
function value(m: RegExpExecArray, at: readonly number[]): string | undefined {
  for (let i = 0; i < at.length; i++) {
    const v = m[at[i]];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** MyTime.now() as a naive local datetime (wall ms), computed once per line. */
function localNow(ctx: TimeContext): number {
  if (ctx.nowWallFor !== ctx.nowMs) {
    ctx.nowWall = wallFromUtc(ctx.local, ctx.nowMs);
    ctx.nowWallFor = ctx.nowMs;
    ctx.nowDate = civilFromDays(Math.floor(ctx.nowWall / DAY));
  }
  return ctx.nowWall as number;
}

/** From the fields to the instant: assumed year and day, zone, "not in the future" rules, mktime. */
function resolve(f: Fields, ctx: TimeContext): number | undefined {
  let { year, month, day, julian } = f;
  let assumeYear = false;
  ctx.validFrom = Number.NEGATIVE_INFINITY;
  ctx.validTo = Number.POSITIVE_INFINITY;
  if (year === undefined) {
    localNow(ctx);
    year = (ctx.nowDate as [number, number, number])[0];
    assumeYear = true;
    narrowValidity(ctx, daysFromCivil(year, 1, 1) * DAY, daysFromCivil(year + 1, 1, 1) * DAY);
  }
  if (month === undefined || day === undefined) {
    if (julian === undefined && f.weekOfYear !== undefined && f.weekday !== undefined)
      julian = julianFromWeek(year, f.weekOfYear, f.weekday, f.weekStartsMon);
    if (julian !== undefined) {
      const ymd = civilFromDays(daysFromCivil(year, 1, 1) + julian - 1);
      if (ymd[0] < 1) return undefined;
      [year, month, day] = ymd;
    }
  }
  let assumeToday = false;
  if (month === undefined && day === undefined) {
    const dayStart = Math.floor(localNow(ctx) / DAY) * DAY;
    [, month, day] = ctx.nowDate as [number, number, number];
    assumeToday = true;
    narrowValidity(ctx, dayStart, dayStart + DAY);
  }
  if (month === undefined || day === undefined) return undefined;
  let wall = wallOf(year, month, day, f.hour, f.minute, f.second);
  if (wall === undefined) return undefined;
  const tzoffset = f.tzoffset ?? ctx.defaultTz;
  // as fail2ban: shift to UTC, then compare with the *local* naive now
  if (tzoffset !== undefined) wall -= tzoffset * 60_000;
  if (assumeToday && sideOfNow(ctx, wall)) wall -= DAY;
  if (assumeYear && sideOfNow(ctx, wall - DAY)) {
    // replace(year=year-1, month=month, day=day): the time of day stays, as shifted above
    const tod = wall - Math.floor(wall / DAY) * DAY;
    if (day > daysInMonth(year - 1, month) || year - 1 < 1) return undefined;
    wall = daysFromCivil(year - 1, month, day) * DAY + tod;
  }
  return tzoffset !== undefined ? wall : utcFromWall(ctx.local, wall);
}

/** Keeps the validity window of a result inside [from, to) (local wall times of "now"). */
function narrowValidity(ctx: TimeContext, from: number, to: number): void {
  if (from > (ctx.validFrom as number)) ctx.validFrom = from;
  if (to < (ctx.validTo as number)) ctx.validTo = to;
}

/** `threshold > localNow`, and the validity window narrowed to the side of the threshold "now" is on. */
function sideOfNow(ctx: TimeContext, threshold: number): boolean {
  const later = threshold > localNow(ctx);
  if (later) narrowValidity(ctx, Number.NEGATIVE_INFINITY, threshold);
  else narrowValidity(ctx, threshold, Number.POSITIVE_INFINITY);
  return later;
}

/**
 * timeFromMatch for the lines of a log, which repeat one second many times: the last date's fields and
 * instant are kept, and given again while the fields are the same and "now" is inside the window in which
 * the instant would come out the same (see TimeContext.validFrom).
 */
export class RepeatedTimeCache {
  private fields: ReadonlyArray<readonly [string, readonly number[]]> | undefined;
  /** the field values of the last date (compared one by one: no key is built per line) */
  private values: (string | undefined)[] = [];
  private cached: number | undefined;
  private validFrom = 0;
  private validTo = 0;

  time(
    fields: ReadonlyArray<readonly [string, readonly number[]]>,
    m: RegExpExecArray,
    ctx: TimeContext,
  ): number | undefined {
    if (fields === this.fields && this.sameValues(fields, m)) {
      if (this.validFrom === Number.NEGATIVE_INFINITY && this.validTo === Number.POSITIVE_INFINITY)
        return this.cached;
      const now = localNow(ctx);
      if (now >= this.validFrom && now < this.validTo) return this.cached;
    }
    // a date the fields cannot make (set fails) does not depend on now
    ctx.validFrom = Number.NEGATIVE_INFINITY;
    ctx.validTo = Number.POSITIVE_INFINITY;
    const t = timeFromMatch(fields, m, ctx);
    this.fields = fields;
    this.values = fields.map(([, at]) => value(m, at));
    this.cached = t;
    this.validFrom = ctx.validFrom;
    this.validTo = ctx.validTo;
    return t;
  }

  private sameValues(
    fields: ReadonlyArray<readonly [string, readonly number[]]>,
    m: RegExpExecArray,
  ): boolean {
    const values = this.values;
    for (let i = 0; i < fields.length; i++) if (value(m, fields[i][1]) !== values[i]) return false;
    return true;
  }
}
