/**
 * fail2ban-compatible date detection for jails: finds the date in a log line the way fail2ban's
 * DateDetector does (default templates or a filter's `datepattern`), and turns it into an instant the way
 * fail2ban's strptime does (year-less dates, 2-digit years, zones, logtimezone, epochs).
 *
 *   const dd = createDateDetector({ datepattern: "{^LN-BEG}", now: () => clock.now(), timezone: "CET-01CEST-02" });
 *   dd.match("Aug 14 11:59:59 host sshd[1]: ...") // → { time: 1124013599000, start: 0, end: 15 }
 */
import { TemplateList } from "./detector.js";
import { fixedZoneOffset } from "./directives.js";
import { RepeatedTimeCache, type TimeContext } from "./strptime.js";
import { type AnyTemplate, dateSpan, groupValue } from "./template.js";
import { processLocalZone, type Zone, zoneFromTzString } from "./zone.js";

export { DatePatternError } from "./directives.js";
export {
  processLocalZone,
  utcFromWall,
  wallFromUtc,
  type Zone,
  ZoneError,
  zoneFromTzString,
} from "./zone.js";

export interface DateMatch {
  /**
   * ms since epoch; NaN when the text looks like a date but is none (fail2ban's getTime gives None, yet
   * cuts the text out). For an empty date (`{NONE}`), the last date if under a minute old, else now.
   */
  time: number;
  /** offsets of the matched date text within the line, so the caller can cut it out as fail2ban does */
  start: number;
  end: number;
}

export interface DateDetector {
  match(line: string): DateMatch | undefined;
  /**
   * What decides the dates of the next lines as long as no line needs the full template search, as
   * text (equal texts: equal dates from here on), and how many lines needed that search so far.
   */
  state?(): { key: string; searches: number };
}

export interface DateDetectorOptions {
  /**
   * fail2ban's datepattern value after config interpolation (single `%`): one template per line, e.g.
   * `{^LN-BEG}`, `{DATE}` inside a regex, `{NONE}`, `EPOCH`, `LEPOCH`, `{EPOCH}` in a regex, `TAI64N`,
   * or a regex with %-codes (`^%Y-%m-%d %H:%M:%S`). Undefined or blank: fail2ban's default templates.
   */
  datepattern?: string;
  /** reference time (ms) for year-less dates and the "not in the future" rules (fail2ban's MyTime.now) */
  now: () => number;
  /**
   * fail2ban's logtimezone: a fixed offset as fail2ban accepts it ("UTC", "+0200", "CET+0100", "GMT+12";
   * applied to lines without a zone of their own), or, beyond fail2ban, a POSIX TZ string
   * ("CET-01CEST-02") or IANA name ("Europe/Berlin") read as if the process ran with TZ set to it.
   * Undefined: the process local time (a POSIX TZ variable such as CET-01CEST-02 is understood).
   */
  timezone?: string;
}

export interface ZoneContext {
  /** the zone fail2ban's process would run in */
  local: Zone;
  /** fail2ban's default_tz: minutes east of UTC */
  defaultTz: number | undefined;
}

/**
 * The zone context of a logtimezone value (see DateDetectorOptions.timezone); `processZone` stands for the
 * process local time (tests pass one). Throws ZoneError.
 */
export function timeZoneContext(timezone: string | undefined, processZone?: Zone): ZoneContext {
  if (timezone === undefined) return { local: processZone ?? processLocalZone(), defaultTz: undefined };
  let fixed: number | undefined;
  try {
    fixed = fixedZoneOffset(timezone);
  } catch {
    fixed = undefined;
  }
  if (fixed !== undefined) return { local: processZone ?? processLocalZone(), defaultTz: fixed };
  return { local: zoneFromTzString(timezone), defaultTz: undefined };
}

/**
 * A detector for one filter. Throws DatePatternError (a datepattern fail2ban would reject, or one whose
 * regex cannot be translated) or ZoneError (an unknown timezone), each saying what to change.
 */
export function createDateDetector(opts: DateDetectorOptions): DateDetector {
  return createDateDetectorIn(opts, timeZoneContext(opts.timezone));
}

/** createDateDetector with the zones given (tests: a process zone other than this process's). */
export function createDateDetectorIn(opts: DateDetectorOptions, zone: ZoneContext): DateDetector {
  const list = new TemplateList(() => opts.now() / 1000);
  if (opts.datepattern !== undefined) {
    for (const line of opts.datepattern.split(/\n+/)) {
      const p = line.trim();
      if (p) list.append(p);
    }
  }
  const ctx: TimeContext = { local: zone.local, defaultTz: zone.defaultTz, nowMs: 0 };
  const repeated = new RepeatedTimeCache();
  let lastTime: number | undefined;
  return {
    state() {
      return { key: `${list.stateKey()}|${lastTime}`, searches: list.searches };
    },
    match(line: string): DateMatch | undefined {
      const found = list.find(line);
      if (!found) return undefined;
      const [start, end] = dateSpan(found.template, found.match, line);
      const now = opts.now();
      if (start === end) {
        // an empty date (`{NONE}`, an optional date): fail2ban takes the last date if recent, else now
        const time = lastTime !== undefined && lastTime > now - 60_000 ? lastTime : now;
        return { time, start, end };
      }
      ctx.nowMs = now;
      const time = timeOfMatch(found.template, found.match, ctx, repeated);
      // a date fail2ban finds but cannot read (Feb 30, an unknown zone) is still cut out of the line
      if (time === undefined) return { time: Number.NaN, start, end };
      lastTime = time;
      return { time, start, end };
    },
  };
}

/** fail2ban's template.getDate for each kind of template, in ms. */
function timeOfMatch(
  t: AnyTemplate,
  m: RegExpExecArray,
  ctx: TimeContext,
  repeated: RepeatedTimeCache,
): number | undefined {
  const c = t.compile();
  if (t.kind === "pattern") return repeated.time(c.fields, m, ctx);
  if (t.kind === "tai64n") {
    const v = groupValue(m, c.g1) ?? "";
    const hex = v.slice(2, 17);
    return /^[0-9a-fA-F]+$/.test(hex) ? Number(BigInt(`0x${hex}`)) * 1000 : undefined;
  }
  const v = groupValue(m, t.grpIdx === 2 ? c.g2 : c.g1);
  return v === undefined ? undefined : epochMs(v, t.longFrm);
}

const FLOAT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)\s*$/;

/** DateEpoch.getDate: seconds, or for LEPOCH 13+ digits milliseconds and 16+ digits microseconds; in ms. */
export function epochMs(text: string, longFrm: boolean): number | undefined {
  if (!FLOAT.test(text)) return undefined;
  const v = text.trim();
  if (longFrm && v.length >= 13) {
    if (v.length >= 16 && !v.includes(".")) return shiftDecimal(v, -3);
    return Number(v);
  }
  return shiftDecimal(v, 3);
}

/** The number `v` times 10^k, by moving the decimal point (exact where float multiplication is not). */
function shiftDecimal(v: string, k: number): number {
  const neg = v.startsWith("-");
  const s = v.replace(/^[+-]/, "");
  const dot = s.indexOf(".");
  const int = dot < 0 ? s : s.slice(0, dot);
  const frac = dot < 0 ? "" : s.slice(dot + 1);
  let digits = int + frac;
  let point = int.length + k;
  if (point < 0) {
    digits = "0".repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += "0".repeat(point - digits.length);
  const n = Number(`${digits.slice(0, point) || "0"}.${digits.slice(point) || "0"}`);
  return neg ? -n : n;
}
