/**
 * Evaluates rules and checks with Wazuh SCA's semantics: a rule is true or false, or not applicable when
 * what it must read is missing (a content rule on an absent file, a command that cannot run); `not`
 * swaps true and false; a check aggregates its rules by all / any / none, with not applicable as Wazuh's
 * truth table says. Every result carries a reason a person can act on (the line that matched, the file
 * that is missing).
 */
import type { Check, RuleSet } from "./policy.js";
import { readCommand, readDirFiles, readFileLines, runningProcesses, targetPaths } from "./probes.js";
import type { Condition, Rule } from "./rule.js";

export type AuditResult = "passed" | "failed" | "not_applicable";

export interface RuleOutcome {
  /** true / false, or undefined: not applicable */
  value: boolean | undefined;
  /** what was found or missing */
  detail: string;
}

export interface EvalOptions {
  /** prefix of every f: and d: path ("/" = the host itself); lets a policy be aimed at a copy */
  root: string;
  /** a command rule's program is killed after this long */
  commandTimeoutMs: number;
  /** where processes are listed (default /proc) */
  procDir?: string;
}

export interface CheckOutcome {
  result: AuditResult;
  reason: string;
}

const MAX_LINE = 200;

export async function evaluateRule(rule: Rule, opts: EvalOptions): Promise<RuleOutcome> {
  const raw = await evaluatePlain(rule, opts);
  if (!rule.not || raw.value === undefined) return raw;
  return { value: !raw.value, detail: raw.detail };
}

async function evaluatePlain(rule: Rule, opts: EvalOptions): Promise<RuleOutcome> {
  switch (rule.type) {
    case "file":
      return evaluateFiles(rule.targets, rule.content, opts);
    case "dir":
      return evaluateDirs(rule, opts);
    case "process": {
      const procs = await runningProcesses(opts.procDir ?? "/proc");
      const m = rule.name;
      const hit = procs.find((p) => p.names.some((n) => (m.kind === "regex" ? m.re.test(n) : n === m.name)));
      return hit
        ? { value: true, detail: `process ${hit.names[0]} runs (pid ${hit.pid})` }
        : { value: false, detail: "no such process runs" };
    }
    case "command": {
      const out = await readCommand(rule.argv, opts.commandTimeoutMs);
      if (!out.ok) return { value: undefined, detail: out.error };
      return matchLines(out.lines, rule.content, `the output of ${rule.argv[0]}`);
    }
  }
}

async function evaluateFiles(
  targets: string[],
  content: Condition[] | undefined,
  opts: EvalOptions,
): Promise<RuleOutcome> {
  const paths = await targetPaths(targets, opts.root);
  if (!content) {
    const found = [];
    for (const p of paths) if ((await readFileLines(p, true)).ok) found.push(p);
    return found.length
      ? { value: true, detail: `${found[0]} exists` }
      : { value: false, detail: `${targets.join(", ")} does not exist` };
  }
  let missing: string | undefined;
  let lastFalse: string | undefined;
  let checked = 0;
  for (const p of paths) {
    const read = await readFileLines(p, false);
    if (!read.ok) {
      missing ??= read.error;
      continue;
    }
    checked++;
    const m = matchLines(read.lines, content, p);
    if (m.value) return m;
    lastFalse = m.detail;
  }
  if (checked === 0) return { value: undefined, detail: missing ?? `${targets.join(", ")} does not exist` };
  // one file read: its own answer (it may name the line that spoiled a lone !r:)
  if (checked === 1 && lastFalse) return { value: false, detail: lastFalse };
  return { value: false, detail: `no line of ${listed(paths)} matches` };
}

async function evaluateDirs(rule: Extract<Rule, { type: "dir" }>, opts: EvalOptions): Promise<RuleOutcome> {
  const dirs = await targetPaths(rule.targets, opts.root);
  let anyDir = false;
  let lastError = `${rule.targets.join(", ")} does not exist`;
  for (const dir of dirs) {
    const listed = await readDirFiles(dir);
    if (!listed.ok) {
      lastError = listed.error;
      continue;
    }
    anyDir = true;
    if (!rule.file) return { value: true, detail: `${dir} exists` };
    const f = rule.file;
    const named = listed.files.filter((p) => {
      const base = p.slice(p.lastIndexOf("/") + 1);
      return f.kind === "regex" ? f.re.test(base) : base === f.name;
    });
    if (!rule.content) {
      if (named.length) return { value: true, detail: `${named[0]} exists` };
      continue;
    }
    for (const p of named) {
      const read = await readFileLines(p, false);
      if (!read.ok) continue;
      const m = matchLines(read.lines, rule.content, p);
      if (m.value) return m;
    }
  }
  if (!anyDir) return { value: rule.file ? undefined : false, detail: lastError };
  return {
    value: false,
    detail: rule.content ? "no line of a matching file matches" : "no file of that name",
  };
}

/** True when one line satisfies every condition (Wazuh: the context of a content check is a line). */
export function matchLines(lines: readonly string[], conditions: Condition[], where: string): RuleOutcome {
  if (conditions.length === 1 && conditions[0].noLine) {
    const positive = { ...conditions[0], negate: false, noLine: false };
    const hit = lines.findIndex((l) => conditionHolds(positive, l));
    if (hit >= 0)
      return { value: false, detail: `line ${hit + 1} of ${where}: ${JSON.stringify(clip(lines[hit]))}` };
    return lines.length === 0
      ? { value: false, detail: `${where} is empty` }
      : { value: true, detail: `no line of ${where} matches` };
  }
  for (let i = 0; i < lines.length; i++) {
    if (conditions.every((c) => conditionHolds(c, lines[i])))
      return { value: true, detail: `line ${i + 1} of ${where}: ${JSON.stringify(clip(lines[i]))}` };
  }
  return { value: false, detail: `no line of ${where} matches` };
}

function conditionHolds(c: Condition, line: string): boolean {
  let v: boolean;
  if (c.kind === "literal") v = line === c.text;
  else if (c.kind === "regex") v = c.re.test(line);
  else {
    const m = c.re.exec(line);
    const n = m?.slice(1).find((g) => g !== undefined);
    v = n !== undefined && /^-?\d+$/.test(n.trim()) && compare(Number(n.trim()), c.op, c.value);
  }
  return c.negate ? !v : v;
}

function compare(a: number, op: string, b: number): boolean {
  switch (op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case ">=":
      return a >= b;
    default:
      return a > b;
  }
}

/** Aggregates a check's (or the requirements') rules; stops at the first rule that decides, as Wazuh does. */
export async function evaluateRuleSet(set: RuleSet, opts: EvalOptions): Promise<CheckOutcome> {
  let firstFalse: string | undefined;
  let firstNa: string | undefined;
  const held: string[] = [];
  for (const rule of set.rules) {
    const o = await evaluateRule(rule, opts);
    const said = `'${clip(rule.text)}': ${o.detail}`;
    if (o.value === true) {
      held.push(o.detail);
      if (set.condition === "any") return { result: "passed", reason: `passed by ${said}` };
      if (set.condition === "none")
        return { result: "failed", reason: `${rule.not ? "violated" : "matched"} ${said}` };
    } else if (o.value === false) {
      firstFalse ??= said;
      if (set.condition === "all") return { result: "failed", reason: `failed ${said}` };
    } else firstNa ??= said;
  }
  if (firstNa !== undefined) return { result: "not_applicable", reason: `could not check ${firstNa}` };
  if (set.condition === "any") return { result: "failed", reason: `no rule holds; first: ${firstFalse}` };
  if (set.condition === "none") return { result: "passed", reason: "no rule matched" };
  return { result: "passed", reason: `every rule holds: ${held.join("; ")}` };
}

export type { Check };

function clip(s: string): string {
  return s.length > MAX_LINE ? `${s.slice(0, MAX_LINE)}…` : s;
}

function listed(paths: readonly string[]): string {
  return paths.length <= 3
    ? paths.join(", ")
    : `${paths.slice(0, 3).join(", ")} and ${paths.length - 3} more`;
}
