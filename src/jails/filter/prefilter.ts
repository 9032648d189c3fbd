/**
 * The whole-line prefilter of a single-line filter: a line that contains no trigger text of any failregex
 * or ignoreregex cannot be matched by any of them, so the filter skips it before date detection (most
 * lines of a busy log). Built from each regex's trigger set (src/jails/pyregex/triggers.ts); when one
 * regex has none (it could match any line), there is no prefilter.
 */
import type { Triggers } from "../pyregex/index.js";

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
function inLine(text: string, anySeam: boolean): string[] {
  const t = text.split("\n").reduce((a, b) => (b.length > a.length ? b : a), "");
  const seams: number[] = [];
  for (let k = 1; k < t.length; k++) if (anySeam || !WORD.test(t[k])) seams.push(k);
  if (seams.length === 0) return [t];
  const options: string[][] = [[t.slice(0, seams[0])], [t.slice(seams[seams.length - 1])]];
  for (let i = 0; i + 1 < seams.length; i++) options.push([t.slice(0, seams[i + 1]), t.slice(seams[i])]);
  const score = (o: string[]) => Math.min(...o.map(rarity)) * 10 - o.length;
  return options.reduce((a, b) => (score(b) > score(a) ? b : a));
}

/** A test "may a regex match this line?", or undefined when every line must be tried. */
export function buildLinePrefilter(
  sets: (Triggers | undefined)[],
  o: { anySeam: boolean },
): LinePrefilter | undefined {
  if (sets.length === 0 || sets.some((t) => t === undefined)) return undefined;
  const cs: string[] = [];
  const ci: string[] = [];
  for (const t of sets as Triggers[]) {
    for (const text of t.texts) {
      for (const part of inLine(text, o.anySeam)) {
        if (part.length < 2) return undefined;
        (t.ci ? ci : cs).push(part);
      }
    }
  }
  const ciKept = reduce(ci);
  const csKept = reduce(cs, (s) => ciKept.some((k) => s.toLowerCase().includes(k)));
  const csRe = csKept.length ? new RegExp(csKept.map(escapeRegex).join("|")) : undefined;
  // "u": Unicode case folding, as Python's re.IGNORECASE ('ſ' matches 's')
  const ciRe = ciKept.length ? new RegExp(ciKept.map(escapeRegex).join("|"), "iu") : undefined;
  if (csRe && ciRe) return (line) => csRe.test(line) || ciRe.test(line);
  if (csRe) return (line) => csRe.test(line);
  if (ciRe) return (line) => ciRe.test(line);
  return undefined;
}
