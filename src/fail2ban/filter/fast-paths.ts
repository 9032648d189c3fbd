/**
 * The fast paths of a filter (see CoreOptions.fastPaths), decided once from its regexes: which failregexes
 * are "forget-only" (every match nofail + mlfforget: it changes nothing unless its failure id is cached),
 * and the line classifier that runs before date detection (src/fail2ban/filter/prefilter.ts).
 */
import type { Triggers } from "../pyregex/index.js";
import { buildLineClassifier, type LineClass } from "./prefilter.js";
import type { F2bRegex } from "./regex.js";

/** The groups that steer _mergeFailure; a regex that only gets them through alt_/tuple_ groups is not simple. */
const FLAGS = ["nofail", "mlfforget", "mlfgained", "mlfpending"];

export interface FastPaths {
  /** per failregex: may have nofail + mlfforget (checked per match by FilterCore.forgetsNothing) */
  forgetOnly: boolean[];
  classify: ((line: string) => LineClass) | undefined;
}

export function buildFastPaths(
  failRegex: F2bRegex[],
  ignoreRegex: F2bRegex[],
  pre: F2bRegex | undefined,
  o: {
    /** single-line filter with date detection: lines can be classified before it */
    lineClasses: boolean;
    /** server mode with fail2ban's default date templates: forget-only lines may be skipped too */
    skipForget: boolean;
    anySeam: boolean;
  },
): FastPaths {
  const forgetOnly = forgetOnlyRegexes(failRegex, pre);
  if (!o.lineClasses) return { forgetOnly, classify: undefined };
  // a forget-only line is skipped when its failure id cannot be cached; the digit-run index of the
  // cache relies on fail2ban's default date templates (a cut date never touches a digit run)
  const quiet = failRegex.map((r, i) => o.skipForget && forgetOnly[i] && alwaysQuiet(r, pre));
  const forgetSets = failRegex.filter((_, i) => quiet[i]).map((r) => r.t.triggers);
  const forgetTexts = forgetSets.flatMap((t) => t?.texts ?? []);
  const classify = buildLineClassifier(
    [
      ...failRegex.filter((_, i) => !quiet[i]).map((r) => distinctTriggers(r, forgetTexts)),
      ...ignoreRegex.map((r) => r.t.triggers),
    ],
    forgetSets,
    { anySeam: o.anySeam },
  );
  return { forgetOnly, classify };
}

/**
 * Per failregex: every match may be nofail + mlfforget with the steering groups its own (not through
 * alt_/tuple_ groups or the prefregex); FilterCore.forgetsNothing decides per match.
 */
export function forgetOnlyRegexes(failRegex: F2bRegex[], pre: F2bRegex | undefined): boolean[] {
  return failRegex.map(
    (r) =>
      !(pre && FLAGS.some((g) => pre.givesGroup(g))) &&
      r.hasGroup("mlfforget") &&
      (r.hasGroup("nofail") || r.hasGroup("mlfgained")) &&
      !FLAGS.some((g) => r.givesGroup(g) && !r.hasGroup(g)) &&
      !(r.givesGroup("mlfid") && !r.hasGroup("mlfid")),
  );
}

/**
 * The trigger set of `r` that tells its lines from those of forget-only regexes: its own set unless a
 * text of it overlaps a forget-only text ("Received disconnect from " is in both kinds of sshd line),
 * then its longest required literal that overlaps none (": Auth fail").
 */
function distinctTriggers(r: F2bRegex, forgetTexts: string[]): Triggers | undefined {
  const overlaps = (x: string) => forgetTexts.some((f) => f.includes(x) || x.includes(f));
  const own = r.t.triggers;
  if (!own || !own.texts.some(overlaps)) return own;
  const lit = r.t.literals.find((l) => l.length >= 3 && !overlaps(l));
  return lit ? { texts: [lit], ci: false } : own;
}

/**
 * Every match of `r` is nofail + mlfforget (or mlfgained + mlfforget with a failure id from the same
 * match), so it changes nothing unless that id is cached.
 */
function alwaysQuiet(r: F2bRegex, pre: F2bRegex | undefined): boolean {
  const a = r.t.always;
  if (!a.has("mlfforget")) return false;
  if (a.has("nofail")) return true;
  const mlfidAlways = r.hasGroup("mlfid") ? r.t.takesPart.has("mlfid") : !!pre?.t.takesPart.has("mlfid");
  return a.has("mlfgained") && mlfidAlways;
}
