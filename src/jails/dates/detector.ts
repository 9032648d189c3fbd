/**
 * fail2ban's DateDetector (fail2ban/server/datedetector.py): which template finds the date of a line.
 * The search order is state: the template that matched last is tried first (inside the same boundaries
 * when it is not anchored), a match found far into the line is held back while a closer one is sought,
 * and winners bubble up the list. All of that decides which date wins on ambiguous lines, so it is kept.
 */
import {
  anchoredTemplate,
  cachedDefaultTemplates,
  cachedTemplate,
  cacheTemplate,
  defaultTemplates,
  patternTemplate,
} from "./defaults.js";
import { DatePatternError } from "./directives.js";
import { type AnyTemplate, LINE_BEGIN, LINE_END, unboundPattern } from "./template.js";

const ANCHORED = LINE_BEGIN | LINE_END;
const FAR = 0x7fffffff;
/** seconds: a template unused this long may be displaced by a less used one */
const UNUSED_TIME = 300;
const RE_DATE_PREMATCH = /(?<!\\)\{DATE\}/gi;
const ALNUM = /^[\p{L}\p{N}]$/u;

/** A template in one detector's list, with this detector's own statistics. */
class Entry {
  hits = 0;
  lastUsed = 0;
  /** where in the line the last date by this template started */
  distance = FAR;
  constructor(readonly template: AnyTemplate) {}
  get weight(): number {
    return (this.hits * this.template.weight) / Math.max(1, this.distance);
  }
}

export interface FoundDate {
  template: AnyTemplate;
  match: RegExpExecArray;
}

/** Python's `line[i]` for one index, '' past the end; a negative index counts from the end. */
function charAt(line: string, i: number): string {
  const j = i < 0 ? line.length + i : i;
  return j >= 0 && j < line.length ? line[j] : "";
}

/** Python's `line[i-1:i]`: '' at 0. */
function charBefore(line: string, i: number): string {
  return i > 0 && i <= line.length ? line[i - 1] : "";
}

export class TemplateList {
  private readonly entries: Entry[] = [];
  private readonly names = new Set<string>();
  private lastPos: [number, string | null, string | null] = [1, null, null];
  private lastEndPos: [number, string | null, string | null] = [FAR, null, null];
  private lastIndex = FAR;
  private firstUnused = 0;

  constructor(private readonly nowSeconds: () => number) {}

  get size(): number {
    return this.entries.length;
  }

  templates(): AnyTemplate[] {
    return this.entries.map((e) => e.template);
  }

  private add(t: AnyTemplate, ignoreDup = false, pattern = t.name): void {
    if (this.names.has(t.name)) {
      if (ignoreDup) return;
      throw new DatePatternError(
        `datepattern line ${JSON.stringify(pattern)} repeats a template given before (${JSON.stringify(t.name)}); remove one of them`,
      );
    }
    this.names.add(t.name);
    this.entries.push(new Entry(t));
  }

  /** fail2ban's appendTemplate for one datepattern line. */
  append(pattern: string): void {
    const key = pattern.includes("%") ? pattern : pattern.toUpperCase();
    let t = cachedTemplate(key);
    if (!t) {
      if (key === "{^LN-BEG}" || key === "{DEFAULT}") {
        this.addDefaults(key === "{^LN-BEG}" ? (x) => (x.flags & LINE_BEGIN) !== 0 : undefined);
        return;
      }
      if (key.includes("{DATE}")) {
        this.addDefaults(undefined, pattern, false);
        return;
      }
      t = key === "{NONE}" ? patternTemplate("{UNB}^", key) : patternTemplate(pattern, key);
    }
    cacheTemplate(key, t);
    t.compile();
    this.add(t, false, pattern);
  }

  /** fail2ban's addDefaultTemplate: all defaults, those a filter keeps, or each wrapped into `{DATE}`. */
  addDefaults(filter?: (t: AnyTemplate) => boolean, preMatch?: string, all = true): void {
    const ignoreDup = this.entries.length > 0;
    for (let t of all ? cachedDefaultTemplates() : defaultTemplates()) {
      if (filter && !filter(t)) continue;
      if (preMatch !== undefined) {
        const wrap = (s: string): string => preMatch.replace(RE_DATE_PREMATCH, () => unboundPattern(s));
        t = anchoredTemplate(t, wrap);
      }
      t.compile();
      this.add(t, ignoreDup);
    }
  }

  /** fail2ban's matchTime: the template and match of the date in `line`, reordering the list. */
  find(line: string): FoundDate | undefined {
    const entries = this.entries;
    if (entries.length === 0) this.addDefaults();
    let match: RegExpExecArray | null = null;
    let found: [RegExpExecArray | null, number, number, number] = [null, FAR, FAR, -1];
    let ignoreBySearch = FAR;
    let i = this.lastIndex;
    let entry: Entry | undefined;
    let template: AnyTemplate | undefined;
    let distance = 0;
    let endpos = 0;
    if (i < entries.length) {
      entry = entries[i];
      template = entry.template;
      if (template.flags & ANCHORED) {
        match = template.matchDate(line);
        ignoreBySearch = i;
      } else {
        const [d, dPrev, dCur] = this.lastPos;
        const [e, ePrev, eCur] = this.lastEndPos;
        // the same boundaries as last time: outside equal, or inside equal and not alphanumeric
        const startOk =
          charBefore(line, d) === dPrev || (charAt(line, d) === dCur && dCur !== null && !isAlnum(dCur));
        const endOk =
          charAt(line, e) === (eCur ?? undefined) ||
          (charBefore(line, e) === ePrev && ePrev !== null && !isAlnum(ePrev));
        if (startOk && endOk) match = template.matchDate(line, d, e);
        else {
          match = template.matchDate(line);
          ignoreBySearch = i;
        }
      }
      if (match) {
        distance = match.index;
        endpos = match.index + match[0].length;
        const same = distance === this.lastPos[0] && endpos === this.lastEndPos[0];
        if (!(entries.length === 1 || template.flags & ANCHORED || same)) {
          found = [match, distance, endpos, i];
          match = null;
        }
      }
    }
    if (!match) {
      for (i = 0; i < entries.length; i++) {
        if (i === ignoreBySearch) continue;
        entry = entries[i];
        template = entry.template;
        match = template.matchDate(line);
        if (!match) continue;
        distance = match.index;
        endpos = match.index + match[0].length;
        if (i + 1 >= entries.length) break;
        if (template.flags & ANCHORED) break;
        if (distance === 0 && entry.hits && !entries[i + 1].template.hits) break;
        // a date further into the line than before may be text of the message: keep it, look for a closer one
        if (distance > entry.distance || distance > this.lastPos[0]) {
          if (distance < found[1]) found = [match, distance, endpos, i];
          match = null;
          continue;
        }
        break;
      }
      if (!match && found[0]) {
        [match, distance, endpos, i] = found;
        entry = entries[i];
        template = entry.template;
      }
    }
    if (!match || !entry || !template) return undefined;
    entry.hits++;
    entry.lastUsed = this.nowSeconds();
    entry.distance = distance;
    if (this.firstUnused === i) this.firstUnused++;
    this.lastPos = [distance, charBefore(line, distance), charAt(line, distance)];
    this.lastEndPos = [endpos, charAt(line, endpos - 1), charAt(line, endpos)];
    if (i && i !== this.lastIndex) i = this.reorder(i);
    this.lastIndex = i;
    return { template, match };
  }

  /** fail2ban's _reorderTemplate: move a winner up, fast to the first unused place or half way, else one step. */
  private reorder(num: number): number {
    const entries = this.entries;
    const entry = entries[num];
    const untime = entry.lastUsed - UNUSED_TIME;
    const weight = entry.weight;
    let pos = this.firstUnused < num ? this.firstUnused : num >> 1;
    const movable = (): boolean => weight > entries[pos].weight || untime > entries[pos].lastUsed;
    if (!movable()) {
      if (pos === num - 1) return num;
      pos = num - 1;
      if (!movable()) return num;
    }
    entries.splice(num, 1);
    entries.splice(pos, 0, entry);
    while (this.firstUnused < entries.length && entries[this.firstUnused].hits) this.firstUnused++;
    return pos;
  }
}

function isAlnum(c: string): boolean {
  return ALNUM.test(c);
}
