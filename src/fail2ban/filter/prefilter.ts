/**
 * The whole-line prefilter of a single-line filter: a line that contains no trigger text of any failregex
 * or ignoreregex cannot be matched by any of them, so the filter skips it before date detection (most
 * lines of a busy log). Built from each regex's trigger set (src/fail2ban/pyregex/triggers.ts); when one
 * regex has none (it could match any line), there is no prefilter.
 */
import type { Triggers } from "../pyregex/index.js";
import { literalScanner } from "./literal-scan.js";

export type LinePrefilter = (line: string) => boolean;

/** `texts` without those that contain another (finding the shorter one is enough). */
function reduce(texts: Iterable<string>, covered: (s: string) => boolean = () => false): string[] {
  const sorted = [...new Set(texts)].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const kept: string[] = [];
  for (const s of sorted) if (!covered(s) && !kept.some((k) => s.includes(k))) kept.push(s);
  return kept;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** The text of a piece escapeRegex made. */
function unescapeRegex(s: string): string {
  return s.replace(/\\(.)/g, "$1");
}

/** Python's \w for one character. */
const WORD = /^[\p{L}\p{N}_]$/u;

/** Rough rarity of a text in log lines: longer is rarer, a capital start helps the regex scan. */
function rarity(p: string): number {
  return p.length + (/^[A-Z]/.test(p) ? 4 : /^[a-z]/.test(p) ? 0 : -1);
}

/**
 * What a log line must contain when a regex finds `text` in it: texts of which the line holds one.
 * The regexes run over the line with its date cut out and "\n" appended. The "\n" is not in the line
 * (the longest part without it is). And the cut can glue a text together ("[" + date + "]LOGIN" reads
 * "[]LOGIN"): glued at k, the line holds text[0..k] and text[k..]. fail2ban's default date templates end
 * on a word character followed by a word boundary, so there the character after the cut is a non-word
 * character; with other datepatterns any k is possible (`anySeam`). For the seams k possible, either
 * text[0..a] (covers k >= a) with text[b..] (covers k <= b), or one of them alone, is required.
 */
function inLine(text: string, anySeam: boolean, avoid: string[] = []): string[] {
  const [t, seams] = seamsOf(text, anySeam);
  if (seams.length === 0) return [t];
  const options: string[][] = [[t.slice(0, seams[0])], [t.slice(seams[seams.length - 1])]];
  for (let i = 0; i + 1 < seams.length; i++) options.push([t.slice(0, seams[i + 1]), t.slice(seams[i])]);
  // a piece inside a text to avoid (another kind of line) would not tell the lines apart
  const clash = (o: string[]) => o.some((p) => avoid.some((a) => a.includes(p)));
  const score = (o: string[]) => Math.min(...o.map(rarity)) * 10 - o.length - (clash(o) ? 1000 : 0);
  return options.reduce((a, b) => (score(b) > score(a) ? b : a));
}

/** The part of a trigger text a line can hold (without "\n") and the places a cut date may glue it. */
function seamsOf(text: string, anySeam: boolean): [string, number[]] {
  const t = text.split("\n").reduce((a, b) => (b.length > a.length ? b : a), "");
  const seams: number[] = [];
  for (let k = 1; k < t.length; k++) if (anySeam || !WORD.test(t[k])) seams.push(k);
  return [t, seams];
}

/** Texts with few seams, as regexes that allow the date between the two sides of each seam. */
const MAX_GAPS = 8;

function gapAlternatives(text: string, anySeam: boolean): string[] | undefined {
  const [t, seams] = seamsOf(text, anySeam);
  if (t.length < 2) return undefined;
  if (seams.length === 0) return [escapeRegex(t)];
  if (seams.length > MAX_GAPS) return undefined;
  return seams.map((k) => `${escapeRegex(t.slice(0, k))}[\\s\\S]*${escapeRegex(t.slice(k))}`);
}

/** The regex sources of a test: alternatives matched case-sensitively, and case-insensitively. */
interface Pieces {
  cs: string[];
  ci: string[];
}

/**
 * What a line must hold for one of these trigger sets to be in it, as regex alternatives; undefined when
 * a set is unusable. `gaps`: exact where a text can be glued (its two sides with anything between), for
 * fewer false hits; slower.
 */
function piecesOf(
  sets: (Triggers | undefined)[],
  anySeam: boolean,
  gaps = false,
  avoid: string[] = [],
): Pieces | undefined {
  if (sets.some((t) => t === undefined)) return undefined;
  const cs: string[] = [];
  const ci: string[] = [];
  const csAlt: string[] = [];
  const ciAlt: string[] = [];
  for (const t of sets as Triggers[]) {
    for (const text of t.texts) {
      const alts = gaps ? gapAlternatives(text, anySeam) : undefined;
      if (alts) {
        (t.ci ? ciAlt : csAlt).push(...alts);
        continue;
      }
      for (const part of inLine(text, anySeam, avoid)) {
        if (part.length < 2) return undefined;
        (t.ci ? ci : cs).push(part);
      }
    }
  }
  const ciKept = reduce(ci);
  const csKept = reduce(cs, (s) => ciKept.some((k) => s.toLowerCase().includes(k)));
  return {
    cs: [...csKept.map(escapeRegex), ...new Set(csAlt)],
    ci: [...ciKept.map(escapeRegex), ...new Set(ciAlt)],
  };
}

/** One test "does the line hold one of these pieces?". */
function testOf(p: Pieces): LinePrefilter {
  const csRe = p.cs.length ? new RegExp(p.cs.join("|")) : undefined;
  // "u": Unicode case folding, as Python's re.IGNORECASE ('ſ' matches 's')
  const ciRe = p.ci.length ? new RegExp(p.ci.join("|"), "iu") : undefined;
  if (csRe && ciRe) return (line) => csRe.test(line) || ciRe.test(line);
  if (csRe) return (line) => csRe.test(line);
  if (ciRe) return (line) => ciRe.test(line);
  return () => false;
}

function buildTest(
  sets: (Triggers | undefined)[],
  anySeam: boolean,
  gaps = false,
  avoid: string[] = [],
): LinePrefilter | undefined {
  const p = piecesOf(sets, anySeam, gaps, avoid);
  return p && testOf(p);
}

/** A test "may a regex match this line?", or undefined when every line must be tried. */
export function buildLinePrefilter(
  sets: (Triggers | undefined)[],
  o: { anySeam: boolean },
): LinePrefilter | undefined {
  if (sets.length === 0) return undefined;
  return buildTest(sets, o.anySeam);
}

/**
 * For tests: with `literalScan` off, classifiers use the regex scan (kept for pieces under 4 characters)
 * where they would use the literal scanner, so that both can be checked on the same logs.
 */
export const classifierOptions = { literalScan: true };

/** What a line may be matched by: 0 no regex, 1 only forget-only regexes, 2 any other regex. */
export type LineClass = 0 | 1 | 2;

/**
 * A classifier of lines by the regexes that may match them: `main` (failregexes that may count a failure,
 * and ignoreregexes) and `forgetOnly` (failregexes whose every match is nofail + mlfforget). Undefined
 * when some regex could match any line.
 */
export function buildLineClassifier(
  main: (Triggers | undefined)[],
  forgetOnly: (Triggers | undefined)[],
  o: { anySeam: boolean },
): ((line: string) => LineClass) | undefined {
  if (main.length + forgetOnly.length === 0) return undefined;
  const any = buildTest([...main, ...forgetOnly], o.anySeam);
  if (!any) return undefined;
  if (forgetOnly.length === 0) return (line) => (any(line) ? 2 : 0);
  // most lines hold no trigger at all: one test for them. Then pieces of the main texts chosen apart
  // from the forget-only texts, then (rarely) the exact test with the date's possible places
  const avoid = forgetOnly.flatMap((t) => t?.texts ?? []);
  // main texts whose pieces also occur in forget-only lines need the exact test; the others do not
  const clashes = (t: Triggers | undefined) =>
    !!t?.texts.some((x) => inLine(x, o.anySeam, avoid).some((p) => avoid.some((a) => a.includes(p))));
  const cleanPieces = piecesOf(
    main.filter((t) => !clashes(t)),
    o.anySeam,
    false,
    avoid,
  );
  const clashPieces = piecesOf(main.filter(clashes), o.anySeam, false);
  const clashExact = buildTest(main.filter(clashes), o.anySeam, true);
  const forgetPieces = piecesOf(forgetOnly, o.anySeam);
  if (!cleanPieces || !clashPieces || !clashExact || !forgetPieces) return undefined;
  const caseSensitive = [cleanPieces, clashPieces, forgetPieces].every((p) => p.ci.length === 0);
  if (caseSensitive) return oneScanClassifier(cleanPieces.cs, clashPieces.cs, forgetPieces.cs, clashExact);
  const clean = testOf(cleanPieces);
  const clash = testOf(clashPieces);
  const forget = testOf(forgetPieces);
  // without a forget-only piece the hit was a main one (failure lines): no further test
  return (line) => {
    if (!any(line)) return 0;
    if (!forget(line) || clean(line)) return 2;
    return clash(line) && clashExact(line) ? 2 : 1;
  };
}

/**
 * The same classes in one scan of the line (the common case: every piece case-sensitive). Main pieces
 * come first in the alternation, so at a place where a main and a forget-only piece both start the main
 * one is seen; the scan goes on from the next character, so no later place is missed. A clash piece can
 * also be a forget-only piece ("Connection"): where the scan saw it as a clash piece, the forget-only
 * pieces are looked for on their own before the line is taken for a main one.
 */
function oneScanClassifier(
  clean: string[],
  clash: string[],
  forget: string[],
  clashExact: LinePrefilter,
): (line: string) => LineClass {
  const forgetRe = new RegExp(forget.length ? forget.join("|") : "[]");
  // a clash piece that holds a forget-only piece (sshd's "Connection") is both; only plain pieces (no
  // escapes, so the source is the text matched) are taken. They get a group of their own: the group
  // that matched tells, without looking the text up
  const both = clash.filter((c) => !c.includes("\\") && forgetRe.test(c));
  const clashOnly = clash.filter((c) => !both.includes(c));
  // only groups with pieces are in the scan: a group that can match nothing still costs the scan at every
  // character (an empty lookahead `(?!)` there made it over 3x slower). Bits: 1 main, 2 clash, 4 forget
  const groups = (
    [
      [clean, 1],
      [clashOnly, 2],
      [both, 2 | 4],
      [forget, 4],
    ] as const
  ).filter(([pieces]) => pieces.length > 0);
  const verdict = (line: string, sawClash: boolean, sawForget: boolean): LineClass => {
    if (sawClash) {
      if (!sawForget && !forgetRe.test(line)) return 2;
      return clashExact(line) ? 2 : 1;
    }
    return sawForget ? 1 : 0;
  };
  // the pieces are escaped literals: the literal scanner finds them with fewer steps where they are
  // long enough; it finds every piece that occurs, the regex below every place where one starts, which
  // gives the same class
  const scan = classifierOptions.literalScan
    ? literalScanner(
        groups.flatMap(([pieces, b]) => pieces.map((p) => [unescapeRegex(p), b] as const)),
        1,
      )
    : undefined;
  if (scan) {
    return (line) => {
      const found = scan(line);
      if (found & 1) return 2;
      return verdict(line, (found & 2) !== 0, (found & 4) !== 0);
    };
  }
  const re = new RegExp(groups.map(([pieces]) => `(${pieces.join("|")})`).join("|") || "[]", "g");
  const bits = Uint8Array.from(groups.map(([, b]) => b));
  const count = bits.length;
  return (line) => {
    re.lastIndex = 0;
    let sawClash = false;
    let sawForget = false;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      let b = 0;
      for (let g = 0; g < count; g++) {
        if (m[g + 1] !== undefined) {
          b = bits[g];
          break;
        }
      }
      if (b & 1) return 2;
      if (b & 2) sawClash = true;
      if (b & 4) sawForget = true;
      re.lastIndex = m.index + 1;
    }
    return verdict(line, sawClash, sawForget);
  };
}
