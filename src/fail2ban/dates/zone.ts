/**
 * Time zones for date detection: POSIX TZ strings (`CET-01CEST-02`, `EST5EDT,M3.2.0,M11.1.0`), IANA names
 * through Intl, and the process's own local zone. A zone only answers "what is the UTC offset at this
 * instant"; turning a wall time into an instant follows what glibc's mktime does with tm_isdst = -1.
 */

const HOUR = 3_600_000;
export const DAY = 86_400_000;

export interface Zone {
  /** A short description for messages ("POSIX CET-01CEST-02", "IANA Europe/Berlin", "process local"). */
  readonly label: string;
  /** Offset east of UTC in ms at the instant utcMs. */
  offsetAt(utcMs: number): number;
}

export class ZoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZoneError";
  }
}

// ---- civil calendar on plain numbers (proleptic Gregorian, any year; Date.UTC maps years 0..99 to 19xx)

/** Days since 1970-01-01 of y-m-d (m 1..12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month 1..12, day] of a day number since 1970-01-01. */
export function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeapYear(y) ? 29 : MONTH_DAYS[m - 1];
}

/** The year of an instant (UTC), without allocating a Date. */
function utcYear(ms: number): number {
  return civilFromDays(Math.floor(ms / DAY))[0];
}

// ---- fixed offsets

export class FixedZone implements Zone {
  readonly label: string;
  constructor(
    private readonly offsetMs: number,
    label?: string,
  ) {
    this.label = label ?? `UTC${offsetMs >= 0 ? "+" : "-"}${Math.abs(offsetMs / 60000)}min`;
  }
  offsetAt(): number {
    return this.offsetMs;
  }
}

// ---- POSIX TZ strings

interface PosixRule {
  /** "J" = Jn (1..365, Feb 29 never counted), "N" = n (0..365), "M" = Mm.w.d */
  kind: "J" | "N" | "M";
  a: number;
  w: number;
  d: number;
  /** seconds after local midnight (may be negative or beyond 24h) */
  time: number;
}

/**
 * The rules used when a POSIX string names a DST zone but gives no rules ("CET-01CEST-02"): the EU rules
 * (last Sunday of March 01:00 UTC → last Sunday of October 01:00 UTC). glibc would fall back to its
 * `posixrules` file (US rules), which no log writer in a CET zone uses.
 */
const DEFAULT_DST_RULES = "M3.5.0,M10.5.0/3";

class PosixParser {
  pos = 0;
  constructor(readonly s: string) {}
  fail(what: string): never {
    throw new ZoneError(`invalid POSIX TZ string ${JSON.stringify(this.s)}: ${what} at position ${this.pos}`);
  }
  name(): string {
    const s = this.s;
    if (s[this.pos] === "<") {
      const end = s.indexOf(">", this.pos);
      if (end < 0) this.fail("unterminated <...> zone name");
      const n = s.slice(this.pos + 1, end);
      this.pos = end + 1;
      if (n.length < 3) this.fail("zone name shorter than 3 characters");
      return n;
    }
    const start = this.pos;
    while (this.pos < s.length && /[A-Za-z]/.test(s[this.pos])) this.pos++;
    if (this.pos - start < 3) this.fail("expected a zone name of at least 3 letters");
    return s.slice(start, this.pos);
  }
  /** [+-]hh[:mm[:ss]] in seconds */
  hms(maxHours: number): number {
    const s = this.s;
    let sign = 1;
    if (s[this.pos] === "+" || s[this.pos] === "-") {
      if (s[this.pos] === "-") sign = -1;
      this.pos++;
    }
    const parts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const m = /^\d{1,3}/.exec(s.slice(this.pos));
      if (!m) {
        if (i === 0) this.fail("expected hours");
        this.fail("expected digits after ':'");
      }
      parts.push(Number(m[0]));
      this.pos += m[0].length;
      if (s[this.pos] !== ":") break;
      this.pos++;
    }
    if (parts[0] > maxHours || (parts[1] ?? 0) > 59 || (parts[2] ?? 0) > 59)
      this.fail("offset or time out of range");
    return sign * (parts[0] * 3600 + (parts[1] ?? 0) * 60 + (parts[2] ?? 0));
  }
  rule(): PosixRule {
    const s = this.s;
    const rest = s.slice(this.pos);
    const mwd = /^M(\d{1,2})\.(\d)\.(\d)/.exec(rest);
    const jn = /^J(\d{1,3})/.exec(rest);
    const n = /^(\d{1,3})/.exec(rest);
    const m = mwd ?? jn ?? n;
    if (!m) this.fail("expected a rule Mm.w.d, Jn or n");
    const rule: PosixRule = mwd
      ? { kind: "M", a: Number(mwd[1]), w: Number(mwd[2]), d: Number(mwd[3]), time: 7200 }
      : { kind: jn ? "J" : "N", a: Number(m[1]), w: 0, d: 0, time: 7200 };
    if (rule.kind === "M" && (rule.a < 1 || rule.a > 12 || rule.w < 1 || rule.w > 5 || rule.d > 6))
      this.fail("Mm.w.d out of range");
    if (rule.kind === "J" && (rule.a < 1 || rule.a > 365)) this.fail("Jn out of range 1..365");
    if (rule.kind === "N" && rule.a > 365) this.fail("n out of range 0..365");
    this.pos += m[0].length;
    if (s[this.pos] === "/") {
      this.pos++;
      rule.time = this.hms(167);
    }
    return rule;
  }
}

/** Local midnight (as a day number) of a rule's date in year y. */
function ruleDay(r: PosixRule, y: number): number {
  const jan1 = daysFromCivil(y, 1, 1);
  if (r.kind === "J") return jan1 + r.a - 1 + (isLeapYear(y) && r.a >= 60 ? 1 : 0);
  if (r.kind === "N") return jan1 + r.a;
  const first = daysFromCivil(y, r.a, 1);
  const firstDow = (((first + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4)
  let day = first + ((r.d - firstDow + 7) % 7) + (r.w - 1) * 7;
  const last = first + daysInMonth(y, r.a) - 1;
  while (day > last) day -= 7;
  return day;
}

export class PosixZone implements Zone {
  readonly label: string;
  private readonly std: number;
  private readonly dst: number | undefined;
  private readonly start: PosixRule | undefined;
  private readonly end: PosixRule | undefined;
  private cacheYear = Number.NaN;
  private cacheStart = 0;
  private cacheEnd = 0;
  /** the instants (UTC) where the cached year begins and ends in local standard time */
  private yearFrom = 0;
  private yearTo = -1;

  constructor(spec: string) {
    this.label = `POSIX ${spec}`;
    const p = new PosixParser(spec);
    p.name();
    // POSIX offsets count west of Greenwich; `0 -` rather than unary minus keeps UTC0 at +0, not -0
    this.std = 0 - p.hms(24) * 1000;
    if (p.pos === spec.length) return;
    p.name();
    this.dst = this.std + HOUR;
    if (p.pos < spec.length && spec[p.pos] !== ",") this.dst = 0 - p.hms(24) * 1000;
    const rp = p.pos === spec.length ? new PosixParser(`,${DEFAULT_DST_RULES}`) : p;
    if (rp.s[rp.pos] !== ",") rp.fail("expected ',' before the DST start rule");
    rp.pos++;
    this.start = rp.rule();
    if (rp.s[rp.pos] !== ",") rp.fail("expected ',' before the DST end rule");
    rp.pos++;
    this.end = rp.rule();
    if (rp.pos !== rp.s.length) rp.fail("unexpected text after the DST end rule");
  }

  private transitions(y: number): void {
    if (y === this.cacheYear) return;
    const start = this.start as PosixRule;
    const end = this.end as PosixRule;
    // the start time is given in standard time, the end time in daylight time
    this.cacheStart = ruleDay(start, y) * DAY + start.time * 1000 - this.std;
    this.cacheEnd = ruleDay(end, y) * DAY + end.time * 1000 - (this.dst as number);
    this.cacheYear = y;
    this.yearFrom = daysFromCivil(y, 1, 1) * DAY - this.std;
    this.yearTo = daysFromCivil(y + 1, 1, 1) * DAY - this.std;
  }

  offsetAt(utcMs: number): number {
    if (this.dst === undefined) return this.std;
    // the year by local standard time, as the rules count days in local time
    if (utcMs < this.yearFrom || utcMs >= this.yearTo) this.transitions(utcYear(utcMs + this.std));
    const inDst =
      this.cacheStart < this.cacheEnd
        ? utcMs >= this.cacheStart && utcMs < this.cacheEnd
        : utcMs < this.cacheEnd || utcMs >= this.cacheStart;
    return inDst ? this.dst : this.std;
  }
}

// ---- IANA zones through Intl, and the process local zone through Date

const QUARTER = 15 * 60_000;

class IanaZone implements Zone {
  readonly label: string;
  private readonly fmt: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();
  constructor(readonly name: string) {
    this.label = `IANA ${name}`;
    this.fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
  }
  offsetAt(utcMs: number): number {
    // transitions fall on quarter hours in every zone in use; cache by quarter hour
    const key = Math.floor(utcMs / QUARTER);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const t = key * QUARTER;
    const f: Record<string, string> = {};
    for (const part of this.fmt.formatToParts(t)) f[part.type] = part.value;
    let y = Number(f.year);
    if (f.era === "BC" || f.era === "B") y = 1 - y;
    const wall =
      daysFromCivil(y, Number(f.month), Number(f.day)) * DAY +
      (Number(f.hour) * 60 + Number(f.minute)) * 60_000 +
      Number(f.second) * 1000;
    const off = wall - t;
    if (this.cache.size > 4096) this.cache.clear();
    this.cache.set(key, off);
    return off;
  }
}

class ProcessLocalZone implements Zone {
  readonly label = "process local";
  offsetAt(utcMs: number): number {
    return -new Date(utcMs).getTimezoneOffset() * 60_000;
  }
}

function isIanaName(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A POSIX TZ string: a zone name followed by an offset (digits), optionally a DST part. */
function looksPosix(s: string): boolean {
  return /^(?:[A-Za-z]{3,}|<[^>]+>)[+-]?\d/.test(s);
}

/**
 * The zone of a TZ value: an IANA name (Europe/Berlin, EST5EDT), else a POSIX TZ string.
 * Throws ZoneError with what is accepted when it is neither.
 */
export function zoneFromTzString(tz: string): Zone {
  if (isIanaName(tz)) return new IanaZone(tz);
  if (looksPosix(tz)) return new PosixZone(tz);
  throw new ZoneError(
    `unknown time zone ${JSON.stringify(tz)}: use a fixed offset ("UTC", "+0200", "CET+0100"), ` +
      `an IANA name ("Europe/Berlin") or a POSIX TZ string ("CET-01CEST-02,M3.5.0,M10.5.0/3")`,
  );
}

let processZone: Zone | undefined;

/**
 * The process's local zone, as fail2ban's time.mktime sees it: the TZ variable when set (Node does not
 * understand POSIX TZ strings such as CET-01CEST-02 and would silently use UTC, so those are parsed here),
 * else the system zone.
 */
export function processLocalZone(): Zone {
  if (processZone) return processZone;
  const tz = process.env.TZ;
  if (tz && !tz.startsWith(":") && !isIanaName(tz) && looksPosix(tz)) processZone = new PosixZone(tz);
  else processZone = new ProcessLocalZone();
  return processZone;
}

// ---- wall time ↔ instant

/** The local wall time (as ms on a UTC-like scale) of an instant. */
export function wallFromUtc(zone: Zone, utcMs: number): number {
  return utcMs + zone.offsetAt(utcMs);
}

/**
 * The instant of a local wall time, as glibc's mktime with tm_isdst = -1: a time that exists once maps
 * to it; a repeated time (DST end) takes the earlier instant; a skipped time (DST start) is read with the
 * offset before the transition (02:30 on a spring-forward night becomes 03:30 DST).
 */
export function utcFromWall(zone: Zone, wallMs: number): number {
  const before = zone.offsetAt(wallMs - DAY);
  const after = zone.offsetAt(wallMs + DAY);
  if (before === after) {
    const t = wallMs - before;
    const o = zone.offsetAt(t);
    return o === before ? t : wallMs - o;
  }
  const t1 = wallMs - before;
  const t2 = wallMs - after;
  const ok1 = zone.offsetAt(t1) === before;
  const ok2 = zone.offsetAt(t2) === after;
  if (ok1 && ok2) return Math.min(t1, t2);
  if (ok1) return t1;
  if (ok2) return t2;
  return t1;
}
