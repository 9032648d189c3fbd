/** The regex subset of filter patterns (no groups), as a tree. Offsets are into the whole pattern text. */

/** A set of UTF-16 code units as sorted, non-overlapping inclusive ranges [lo0, hi0, lo1, hi1, ...]. */
export interface CharSet {
  ranges: number[];
  negated: boolean;
}

export type RegexNode =
  | { type: "chars"; set: CharSet; start: number; end: number }
  | { type: "begin"; start: number; end: number }
  | { type: "end"; start: number; end: number }
  | { type: "concat"; items: RegexNode[]; start: number; end: number }
  | { type: "alt"; alternatives: RegexNode[]; start: number; end: number }
  | { type: "repeat"; node: RegexNode; min: number; max: number; start: number; end: number };

export function charSetHas(set: CharSet, code: number): boolean {
  const r = set.ranges;
  let inside = false;
  for (let i = 0; i < r.length; i += 2) {
    if (code < r[i]) break;
    if (code <= r[i + 1]) {
      inside = true;
      break;
    }
  }
  return inside !== set.negated;
}

/** Sorts and merges ranges so charSetHas can stop early. */
export function normalizeRanges(ranges: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges[i], ranges[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last] + 1) out[last] = Math.max(out[last], hi);
    else out.push(lo, hi);
  }
  return out;
}

export const DIGIT: readonly number[] = [48, 57];
export const WORD: readonly number[] = [48, 57, 65, 90, 95, 95, 97, 122];
export const SPACE: readonly number[] = [9, 13, 32, 32];
/** `.`: any code unit but a line feed. */
export const DOT: CharSet = { ranges: [10, 10], negated: true };
