/**
 * fail2ban's strptime directives (fail2ban/server/strptime.py on top of Python's _strptime.TimeRE, C locale):
 * the regex each %-code stands for, the display name fail2ban gives it (template names are built from these
 * and must be the same, since fail2ban uses them to drop duplicate templates), and the zone abbreviations.
 */

import { MONTH_ABBRS, MONTH_NAMES, WEEKDAY_ABBRS, WEEKDAY_NAMES } from "../../core/calendar.js";

const A_WEEKDAY = WEEKDAY_ABBRS;
const F_WEEKDAY = WEEKDAY_NAMES;
const A_MONTH = MONTH_ABBRS;
const F_MONTH = MONTH_NAMES;

/** Python's TimeRE sorts the names longest first so that the alternation prefers "september" over "sep". */
function namesRe(names: readonly string[]): string {
  return [...names].sort((a, b) => b.length - a.length).join("|");
}

/** Three ASCII letters, case folded, as one number; -1 for anything else. */
function asciiCode3(s: string): number {
  if (s.length !== 3) return -1;
  let code = 0;
  for (let i = 0; i < 3; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c < 0x61 || c > 0x7a) return -1;
    code = (code << 8) | c;
  }
  return code;
}

/** Index in `names` by asciiCode3: an abbreviation on every failure line is found without a string compare. */
function code3Index(names: readonly string[]): Map<number, number> {
  return new Map(names.map((n, i) => [asciiCode3(n), i]));
}
const A_MONTH_CODES = code3Index(A_MONTH);
const A_WEEKDAY_CODES = code3Index(A_WEEKDAY);

function abbrIndex(s: string, codes: Map<number, number>, names: readonly string[]): number {
  const code = asciiCode3(s);
  if (code >= 0) return codes.get(code) ?? -1;
  return names.indexOf(s.toLowerCase());
}

/** Index (month 1..12, weekday 0 = Monday) of a name, case-insensitively; -1 when not a name. */
export const monthOfAbbr = (s: string): number => month(abbrIndex(s, A_MONTH_CODES, A_MONTH));
export const monthOfName = (s: string): number => month(F_MONTH.indexOf(s.toLowerCase()));
const month = (i: number): number => (i < 0 ? -1 : i + 1);
export const weekdayOfAbbr = (s: string): number => abbrIndex(s, A_WEEKDAY_CODES, A_WEEKDAY);
export const weekdayOfName = (s: string): number => F_WEEKDAY.indexOf(s.toLowerCase());

const TZ_ABBR_RE = "[A-Z](?:[A-Z]{2,4})?";

/** fail2ban's grp(): factor common prefixes of equally long strings into one regex ("20[012]"). */
function groupPrefixes(set: string[]): string {
  if (set.length > 1) {
    let c: string | null = null;
    for (const i of set) {
      if (c === null || i.slice(0, -1) === c) c = i.slice(0, -1);
      else {
        c = null;
        break;
      }
    }
    if (!c) {
      c = null;
      for (const i of set) {
        if (c === null || i[0] === c) c = i[0];
        else {
          c = null;
          break;
        }
      }
    }
    if (c) {
      const n = c.length;
      return c + groupPrefixes(set.map((i) => i.slice(n)));
    }
    return set[0].length > 1 ? `(?:${set.join("|")})` : `[${set.join("")}]`;
  }
  return set.join("");
}

/**
 * %ExY as fail2ban builds it at start: the centuries-and-decades of last year, of three years ahead, and
 * every third year from 2000 up to now, so "20[012]\\d" in the 2020s.
 */
export function exYearRegex(currentYear: number): string {
  const cent = (y: number): string => String(y).slice(0, 3);
  const set = new Set([cent(currentYear - 1), cent(currentYear + 3)]);
  for (let i = -1; i < currentYear - 2001 + 1; i += 3) set.add(cent(2001 + i));
  return `(?P<Y>${groupPrefixes([...set].sort())}\\d)`;
}

const WEEKDAY_ABBR = `(?P<a>${namesRe(A_WEEKDAY)})`;
const MONTH_ABBR = `(?P<b>${namesRe(A_MONTH)})`;
const DIRECTIVES_BASE: Record<string, string> = {
  // Python's _strptime.TimeRE (Python 3.11, C locale), as fail2ban leaves them
  A: `(?P<A>${namesRe(F_WEEKDAY)})`,
  B: `(?P<B>${namesRe(F_MONTH)})`,
  G: "(?P<G>\\d\\d\\d\\d)",
  I: "(?P<I>1[0-2]|0[1-9]|[1-9])",
  U: "(?P<U>5[0-3]|[0-4]\\d|\\d)",
  V: "(?P<V>5[0-3]|0[1-9]|[1-4]\\d|\\d)",
  W: "(?P<W>5[0-3]|[0-4]\\d|\\d)",
  X: "(?P<H>2[0-3]|[0-1]\\d|\\d):(?P<M>[0-5]\\d|\\d):(?P<S>6[0-1]|[0-5]\\d|\\d)",
  a: WEEKDAY_ABBR,
  b: MONTH_ABBR,
  c:
    `${WEEKDAY_ABBR}\\s+${MONTH_ABBR}\\s+(?P<d>3[0-1]|[1-2]\\d|0[1-9]|[1-9]| [1-9])\\s+` +
    "(?P<H>2[0-3]|[0-1]\\d|\\d):(?P<M>[0-5]\\d|\\d):(?P<S>6[0-1]|[0-5]\\d|\\d)\\s+(?P<Y>\\d\\d\\d\\d)",
  f: "(?P<f>[0-9]{1,6})",
  j: "(?P<j>36[0-6]|3[0-5]\\d|[1-2]\\d\\d|0[1-9]\\d|00[1-9]|[1-9]\\d|0[1-9]|[1-9])",
  p: "(?P<p>am|pm)",
  u: "(?P<u>[1-7])",
  w: "(?P<w>[0-6])",
  x: "(?P<m>1[0-2]|0[1-9]|[1-9])/(?P<d>3[0-1]|[1-2]\\d|0[1-9]|[1-9]| [1-9])/(?P<y>\\d\\d)",
  y: "(?P<y>\\d\\d)",
  "%": "%",
  // fail2ban's own and overridden directives
  k: " ?(?P<H>[0-2]?\\d)",
  l: " ?(?P<I>1?\\d)",
  Z: "(?P<Z>Z|[A-Z]{3,5})",
  z: "(?P<z>Z|UTC|GMT|[+-][01]\\d(?::?\\d{2})?)",
  ExZ: `(?P<Z>${TZ_ABBR_RE})`,
  Exz: `(?P<z>(?:${TZ_ABBR_RE})?[+-][01]\\d(?::?\\d{2})?|${TZ_ABBR_RE})`,
  d: "(?P<d>[1-2]\\d|[0 ]?[1-9]|3[0-1])",
  m: "(?P<m>0?[1-9]|1[0-2])",
  Y: "(?P<Y>\\d{4})",
  H: "(?P<H>[0-1]?\\d|2[0-3])",
  M: "(?P<M>[0-5]?\\d)",
  S: "(?P<S>[0-5]?\\d|6[0-1])",
  Exd: "(?P<d>[1-2]\\d|0[1-9]|3[0-1])",
  Exm: "(?P<m>0[1-9]|1[0-2])",
  ExH: "(?P<H>[0-1]\\d|2[0-3])",
  Exk: " ?(?P<H>[0-1]?\\d|2[0-3])",
  Exl: " ?(?P<I>1[0-2]|\\d)",
  ExM: "(?P<M>[0-5]\\d)",
  ExS: "(?P<S>[0-5]\\d|6[0-1])",
  Exy: "(?P<y>\\d{2})",
};

/** Display names (fail2ban's getTimePatternRE names); directives without one are named "%X". */
const NAMES: Record<string, string> = {
  a: "DAY",
  A: "DAYNAME",
  b: "MON",
  B: "MONTH",
  d: "Day",
  H: "24hour",
  I: "12hour",
  j: "Yearday",
  m: "Month",
  M: "Minute",
  p: "AMPM",
  S: "Second",
  U: "Yearweek",
  w: "Weekday",
  W: "Yearweek",
  y: "Year2",
  Y: "Year",
  "%": "%",
  z: "Zone offset",
  f: "Microseconds",
  Z: "Zone name",
};

function displayName(key: string): string {
  if (NAMES[key] !== undefined) return NAMES[key];
  if (key.startsWith("Ex") && NAMES[key.slice(2)] !== undefined) return `Ex${NAMES[key.slice(2)]}`;
  if (key.startsWith("Ex")) return `Ex%${key.slice(2)}`;
  return `%${key}`;
}

/** The %-codes fail2ban knows: three-letter Ex codes first, then single letters (as its regex). */
const DIRECTIVE_RE = /%(ExZ|Exz|Exd|Exm|ExH|Exk|Exl|ExM|ExS|ExY|Exy|[dfHIGjmMSUwuVyYzAaBbpZ%WcxXkl])/g;

export class DatePatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatePatternError";
  }
}

/**
 * A datepattern with its %-codes replaced: the Python regex and fail2ban's template name. A `%` that is
 * not a known code fails as in fail2ban (Python's `%` formatting rejects it).
 */
export function expandDirectives(pattern: string, currentYear: number): { regex: string; name: string } {
  let regex = "";
  let name = "";
  let last = 0;
  DIRECTIVE_RE.lastIndex = 0;
  for (let m = DIRECTIVE_RE.exec(pattern); m; m = DIRECTIVE_RE.exec(pattern)) {
    const plain = pattern.slice(last, m.index);
    if (plain.includes("%")) badPercent(pattern, last + plain.indexOf("%"));
    const key = m[1];
    regex += plain + (key === "ExY" ? exYearRegex(currentYear) : DIRECTIVES_BASE[key]);
    name += plain + displayName(key);
    last = m.index + m[0].length;
  }
  const tail = pattern.slice(last);
  if (tail.includes("%")) badPercent(pattern, last + tail.indexOf("%"));
  return { regex: regex + tail, name: name + tail };
}

function badPercent(pattern: string, at: number): never {
  throw new DatePatternError(
    `datepattern ${JSON.stringify(pattern)}: unknown directive ${JSON.stringify(pattern.slice(at, at + 4))} at position ${at}; ` +
      "use a known %-code (%Y %m %d %H %M %S %b %z %ExY ...) or write a literal percent sign as %%",
  );
}

// ---- zone abbreviations and offsets (strptime.py TZ_STR, zone2offset, validateTimeZone)

const TZ_STR = `
-12 Y
-11 X NUT SST
-10 W CKT HAST HST TAHT TKT
-9 V AKST GAMT GIT HADT HNY
-8 U AKDT CIST HAY HNP PST PT
-7 T HAP HNR MST PDT
-6 S CST EAST GALT HAR HNC MDT
-5 R CDT COT EASST ECT EST ET HAC HNE PET
-4 Q AST BOT CLT COST EDT FKT GYT HAE HNA PYT
-3 P ADT ART BRT CLST FKST GFT HAA PMST PYST SRT UYT WGT
-2 O BRST FNT PMDT UYST WGST
-1 N AZOT CVT EGT
0 Z EGST GMT UTC WET WT
1 A CET DFT WAT WEDT WEST
2 B CAT CEDT CEST EET SAST WAST
3 C EAT EEDT EEST IDT MSK
4 D AMT AZT GET GST KUYT MSD MUT RET SAMT SCT
5 E AMST AQTT AZST HMT MAWT MVT PKT TFT TJT TMT UZT YEKT
6 F ALMT BIOT BTT IOT KGT NOVT OMST YEKST
7 G CXT DAVT HOVT ICT KRAT NOVST OMSST THA WIB
8 H ACT AWST BDT BNT CAST HKT IRKT KRAST MYT PHT SGT ULAT WITA WST
9 I AWDT IRKST JST KST PWT TLT WDT WIT YAKT
10 K AEST ChST PGT VLAT YAKST YAPT
11 L AEDT LHDT MAGT NCT PONT SBT VLAST VUT
12 M ANAST ANAT FJT GILT MAGST MHT NZST PETST PETT TVT WFT
13 FJST NZDT
11.5 NFT
10.5 ACDT LHST
9.5 ACST
6.5 CCT MMT
5.75 NPT
5.5 SLT
4.5 AFT IRDT
3.5 IRST
-2.5 HAT NDT
-3.5 HNT NST NT
-4.5 HLV VET
-9.5 MART MIT
`;

/** Zone abbreviation → offset in minutes east of UTC. */
export const TZ_ABBR_OFFSETS: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>([["", 0]]);
  for (const line of TZ_STR.split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 2) continue;
    const off = Math.trunc(Number(parts[0]) * 60);
    for (const abbr of parts.slice(1)) m.set(abbr, off);
  }
  return m;
})();

const FIXED_OFFSET_TZ_RE = new RegExp(`^(${TZ_ABBR_RE})?([+-][01]\\d(?::?\\d{2})?)?(?=\\n?$)`);

/**
 * fail2ban's validateTimeZone/zone2offset: "UTC", "CET", "+0200", "-04:30", "CET+0100", "GMT+12" →
 * minutes east of UTC. Returns undefined when the text is not of that form (Python raises ValueError),
 * and throws DatePatternError for an abbreviation fail2ban does not know (Python raises KeyError).
 */
export function fixedZoneOffset(tz: string): number | undefined {
  const m = FIXED_OFFSET_TZ_RE.exec(tz);
  if (!m) return undefined;
  const abbr = m[1] ?? "";
  const base = TZ_ABBR_OFFSETS.get(abbr);
  if (base === undefined)
    throw new DatePatternError(`unknown time zone abbreviation ${JSON.stringify(abbr)}`);
  const tzo = m[2];
  if (tzo === undefined) return base;
  const sign = tzo[0] === "-" ? -1 : 1;
  if (tzo.length <= 3) return base + sign * Number(tzo.slice(1)) * 60;
  const mm = tzo[3] === ":" ? tzo.slice(4, 6) : tzo.slice(3, 5);
  return base + sign * (Number(tzo.slice(1, 3)) * 60 + Number(mm));
}
