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
/** Python's str.isalnum() for one character ('' is not) */
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
  /** fail2ban's __lastPos: where the last date started, and the characters before and at that place */
  private lastStart = 1;
  private lastStartPrev: string | null = null;
  private lastStartCur: string | null = null;
  /** fail2ban's __lastEndPos: where it ended, and the characters before and at that place */
  private lastEnd = FAR;
  private lastEndPrev: string | null = null;
  private lastEndCur: string | null = null;
  /** fail2ban's __lastTemplIdx */
  private lastIndex = FAR;
  private firstUnused = 0;
  // the search of one line
  private winner: RegExpExecArray | null = null;
  private held: RegExpExecArray | null = null;
  private heldAt = FAR;
  private heldIndex = -1;
  private skip = FAR;
  /** how many lines went through the full search (the only place hit counts and use times decide) */
  searches = 0;

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
        // wrapped into the user's pattern: an error there is a config error, reported now
        t.compile();
      }
      // fail2ban's own templates (they all translate: the date tests compile each) are translated on
      // their first use: most lines are dated by the first one or two, and start-up is most of a short run
      this.add(t, ignoreDup);
    }
  }

  /** fail2ban's matchTime: the template and match of the date in `line`, reordering the list. */
  find(line: string): FoundDate | undefined {
    if (this.entries.length === 0) this.addDefaults();
    this.held = null;
    this.heldAt = FAR;
    this.heldIndex = -1;
    this.skip = FAR;
    let i = this.tryLast(line);
    if (i < 0) i = this.search(line);
    if (i < 0 || !this.winner) return undefined;
    return this.win(line, i, this.winner);
  }

  /** The template that found the last date, first: within the same boundaries unless anchored. */
  private tryLast(line: string): number {
    const i = this.lastIndex;
    if (i >= this.entries.length) return -1;
    const t = this.entries[i].template;
    let m: RegExpExecArray | null;
    if (t.flags & ANCHORED) {
      m = t.matchDate(line);
      this.skip = i;
    } else if (this.sameBoundaries(line)) m = t.matchDate(line, this.lastStart, this.lastEnd);
    else {
      m = t.matchDate(line);
      this.skip = i;
    }
    if (!m) return -1;
    const same = m.index === this.lastStart && m.index + m[0].length === this.lastEnd;
    if (this.entries.length === 1 || t.flags & ANCHORED || same) {
      this.winner = m;
      return i;
    }
    // found elsewhere than last time: maybe another format now; keep it while the others are tried
    this.hold(m, i);
    return -1;
  }

  /** Around the last date's place: outside the same characters, or inside the same non-alphanumeric ones. */
  private sameBoundaries(line: string): boolean {
    const d = this.lastStart;
    const e = this.lastEnd;
    const startOk =
      charBefore(line, d) === this.lastStartPrev ||
      (charAt(line, d) === this.lastStartCur && !isAlnum(this.lastStartCur));
    const endOk =
      charAt(line, e) === this.lastEndCur ||
      (charBefore(line, e) === this.lastEndPrev && !isAlnum(this.lastEndPrev));
    return startOk && endOk;
  }

  /** All templates in list order; a date further into the line than before is held while a closer one is sought. */
  private search(line: string): number {
    this.searches++;
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      if (i === this.skip) continue;
      const entry = entries[i];
      const m = entry.template.matchDate(line);
      if (!m) continue;
      const distance = m.index;
      const stop =
        i + 1 >= entries.length ||
        entry.template.flags & ANCHORED ||
        (distance === 0 && entry.hits > 0 && !entries[i + 1].template.hits);
      if (!stop && (distance > entry.distance || distance > this.lastStart)) {
        if (distance < this.heldAt) this.hold(m, i);
        continue;
      }
      this.winner = m;
      return i;
    }
    if (!this.held) return -1;
    this.winner = this.held;
    return this.heldIndex;
  }

  /**
   * The state that decides the date of the next lines while each is found by the last template
   * (tryLast): the order, the last place and its boundary characters. Hit counts, use times, distances
   * and firstUnused are left out: only search() and the reordering after it read them (see searches).
   */
  stateKey(): string {
    return JSON.stringify([
      this.entries.map((e) => e.template.name),
      this.lastIndex,
      this.lastStart,
      this.lastStartPrev,
      this.lastStartCur,
      this.lastEnd,
      this.lastEndPrev,
      this.lastEndCur,
    ]);
  }

  private hold(m: RegExpExecArray, i: number): void {
    this.held = m;
    this.heldAt = m.index;
    this.heldIndex = i;
  }

  /** Statistics of the winner, the boundaries of its date, and its move up the list. */
  private win(line: string, index: number, match: RegExpExecArray): FoundDate {
    const entry = this.entries[index];
    const distance = match.index;
    const endpos = match.index + match[0].length;
    entry.hits++;
    entry.lastUsed = this.nowSeconds();
    entry.distance = distance;
    if (this.firstUnused === index) this.firstUnused++;
    this.lastStart = distance;
    this.lastStartPrev = charBefore(line, distance);
    this.lastStartCur = charAt(line, distance);
    this.lastEnd = endpos;
    this.lastEndPrev = charAt(line, endpos - 1);
    this.lastEndCur = charAt(line, endpos);
    let i = index;
    if (i && i !== this.lastIndex) i = this.reorder(i);
    this.lastIndex = i;
    return { template: entry.template, match };
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

function isAlnum(c: string | null): boolean {
  return c !== null && ALNUM.test(c);
}
