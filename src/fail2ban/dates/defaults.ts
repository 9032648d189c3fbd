/**
 * fail2ban's template cache and its default templates (fail2ban/server/datedetector.py): templates are
 * shared by every detector of the process, keyed as fail2ban keys them, so that detectors see the same
 * objects (and the same hit counts) fail2ban's do.
 */
import { SystemClock } from "../../core/clock.js";
import {
  type AnyTemplate,
  DateEpoch,
  DatePatternRegex,
  DateTai64n,
  type DateTemplate,
  LINE_BEGIN,
  RE_EPOCH_PATTERN,
} from "./template.js";
import { civilFromDays } from "./zone.js";

/** fail2ban's DateDetectorCache.DEFAULT_TEMPLATES, in its order. */
export const DEFAULT_PATTERNS: readonly string[] = [
  // ISO 8601, simple date, optional subsecond and timezone: 2005-01-23T21:59:59.981746, 2005/01/23 21:59:59
  "%ExY(?P<_sep>[-/.])%m(?P=_sep)%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\\s*%z)?",
  // asctime with optional day, subsecond and/or year: Sun Jan 23 21:59:59.011 2005
  "(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?",
  // asctime with the year after the day: Sun Jan 23 2005 21:59:59.011
  "(?:%a )?%b %d %ExY %k:%M:%S(?:\\.%f)?",
  // 23/01/2005 21:59:59, 23/01/05 21:59:59, 17-07-2008 17:23:25
  "%d(?P<_sep>[-/])%m(?P=_sep)(?:%ExY|%Exy) %k:%M:%S",
  // Apache [31/Oct/2006:09:22:55 -0000], 26-Jul-2007 15:20:52.252, roundcube 26-Jul-2007 15:20:52 +0200
  "%d(?P<_sep>[-/])%b(?P=_sep)%ExY[ :]?%H:%M:%S(?:\\.%f)?(?: %z)?",
  // CPanel 05/20/2008:01:57:39
  "%m/%d/%ExY:%H:%M:%S",
  // 01-27-2012 16:22:44.252
  "%m-%d-%ExY %k:%M:%S(?:\\.%f)?",
  "EPOCH",
  // only a time at the start of the line
  "{^LN-BEG}%H:%M:%S",
  // <09/16/08@05:03:30>
  "^<%m/%d/%Exy@%H:%M:%S>",
  // MySQL: 130322 11:46:11
  "%Exy%Exm%Exd  ?%H:%M:%S",
  // Apache Tomcat: Apr 16, 2013 9:05:29 PM
  "%b %d, %ExY %I:%M:%S %p",
  // ASSP: Apr-27-13 02:33:06
  "^%b-%d-%Exy %k:%M:%S",
  // 20050123T215959, 20050123 215959
  "%ExY%Exm%Exd(?:T|  ?)%ExH%ExM%ExS(?:[.,]%f)?(?:\\s*%z)?",
  // monit: PDT Apr 16 21:05:29
  "(?:%Z )?(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?",
  // +00:00 Jan 23 21:59:59.011 2005
  "(?:%z )?(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?",
  "TAI64N",
];

const cache = new Map<string, AnyTemplate>();
let currentYear: number | undefined;

/** The year %ExY is built around: the wall clock when the first template is made, as fail2ban at start. */
function exYearBase(): number {
  currentYear ??= civilFromDays(Math.floor(new SystemClock().now() / 86_400_000))[0];
  return currentYear;
}

function keyOf(pattern: string): string {
  return pattern.includes("%") ? pattern : pattern.toUpperCase();
}

export function cachedTemplate(key: string): AnyTemplate | undefined {
  return cache.get(key);
}

export function cacheTemplate(key: string, t: AnyTemplate): void {
  cache.set(key, t);
}

/** fail2ban's _getPatternTemplate. Throws DatePatternError for a pattern it cannot use. */
export function patternTemplate(pattern: string, key = keyOf(pattern)): AnyTemplate {
  let t = cache.get(key);
  if (!t) {
    if (key.includes("EPOCH")) {
      if (pattern.search(RE_EPOCH_PATTERN) >= 0)
        t = new DateEpoch({ pattern, longFrm: key.includes("LEPOCH") });
      else if (key === "EPOCH" || key === "{^LN-BEG}EPOCH" || key === "^EPOCH")
        t = new DateEpoch({ lineBeginOnly: key !== "EPOCH" });
      else if (key === "LEPOCH" || key === "{^LN-BEG}LEPOCH" || key === "^LEPOCH")
        t = new DateEpoch({ lineBeginOnly: key !== "LEPOCH", longFrm: true });
    }
    if (!t) {
      if (key === "TAI64N" || key === "{^LN-BEG}TAI64N" || key === "^TAI64N")
        t = new DateTai64n(key !== "TAI64N" ? "start" : false);
      else t = new DatePatternRegex(pattern, exYearBase());
    }
  }
  cache.set(key, t);
  return t;
}

/** fail2ban's _getAnchoredTemplate: the template wrapped (by default `{^LN-BEG}` + pattern), from the cache. */
export function anchoredTemplate(
  t: AnyTemplate,
  wrap: (s: string) => string = (s) => `{^LN-BEG}${s}`,
): AnyTemplate {
  const name = wrap(t.name);
  let t2 = cache.get(name);
  if (!t2) {
    if (t instanceof DatePatternRegex) {
      const regex = wrap(t.pattern);
      t2 = cache.get(regex) ?? patternTemplate(regex);
    } else t2 = patternTemplate(name);
  }
  return t2;
}

let defaults: AnyTemplate[] | undefined;
let allDefaults: AnyTemplate[] | undefined;

/** The 17 default templates. */
export function defaultTemplates(): AnyTemplate[] {
  defaults ??= DEFAULT_PATTERNS.map((p) => patternTemplate(p));
  return defaults;
}

/**
 * fail2ban's DateDetectorCache.templates: a line-start anchored copy (weight 100, preferred when sorting)
 * of each default that is not anchored yet, then the defaults themselves.
 */
export function cachedDefaultTemplates(): AnyTemplate[] {
  if (allDefaults) return allDefaults;
  const anchored: AnyTemplate[] = [];
  const plain: AnyTemplate[] = [];
  for (const t of defaultTemplates()) {
    if (!t.name.startsWith("{^LN-BEG}") && !t.name.startsWith("^")) {
      const t2 = anchoredTemplate(t);
      if (t2.name !== t.name) {
        t2.weight = 100;
        anchored.push(t2);
      }
    }
    plain.push(t);
  }
  allDefaults = [...anchored, ...plain];
  return allDefaults;
}

export function isLineAnchored(t: DateTemplate): boolean {
  return (t.flags & LINE_BEGIN) !== 0;
}

/** Forget every cached template and hit count (tests only: fail2ban keeps them for the process). */
export function resetTemplateCacheForTests(): void {
  cache.clear();
  defaults = undefined;
  allDefaults = undefined;
}
