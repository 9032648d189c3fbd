/**
 * Loads mamori.yaml: YAML with positions → ${ENV} substitution → strict schema → the components' own
 * checks → paths resolved once (relative to the config file's folder) → steps the caller adds (the
 * fail2ban import) → cross-references → the caller's deep checks. Every problem is reported at once as
 * FILE:LINE:COL with what is wrong and how to fix it; nothing starts with a config that has any problem.
 */
import fs from "node:fs";
import path from "node:path";
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import type { DeepCheck, Locator } from "../core/config.js";
import { ConfigError, type ConfigProblem } from "../core/errors.js";
import { builtinDefaultConfig } from "./defaults.js";
import { EnvSubstitutions } from "./env.js";
import { describeIssue, keysAtPath } from "./issues.js";
import { resolveConfigPaths } from "./paths.js";
import { configSchema, type MamoriConfig } from "./schema.js";
import { componentChecks, crossCheck } from "./validate.js";

export interface LoadedConfig {
  config: MamoriConfig;
  /** the file it came from; undefined for the built-in default */
  path?: string;
  /** what the daemon should say about where its config came from */
  origin: "file" | "builtin";
}

/**
 * A step that returns a new config made from the validated one (the fail2ban import adds the jails
 * enabled in fail2ban's files), with its problems. Steps run after paths are resolved.
 */
export type ConfigStep = (
  config: MamoriConfig,
  ctx: { locate: Locator; onWarning?: (problem: ConfigProblem) => void },
) => { config: MamoriConfig; problems: ConfigProblem[] };

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** steps that make a new config from the validated one, before cross-references are checked */
  steps?: ConfigStep[];
  /** extra checks run on the validated config (e.g. compiling patterns and filters); they return problems */
  checks?: Array<DeepCheck<MamoriConfig>>;
  /** what is valid but works differently than written (e.g. fail2ban keys mamori does not take over) */
  onWarning?: (problem: ConfigProblem) => void;
}

export type { Locator } from "../core/config.js";

export const DEFAULT_CONFIG_FILE = "mamori.yaml";

/**
 * The config to use: the file given, else ./mamori.yaml when present, else the built-in default.
 * A file given explicitly must exist.
 */
export function resolveConfig(file: string | undefined, opts: LoadOptions = {}): LoadedConfig {
  if (file) return loadConfigFile(file, opts);
  if (fs.existsSync(DEFAULT_CONFIG_FILE)) return loadConfigFile(DEFAULT_CONFIG_FILE, opts);
  // the built-in default's one relative path (data_dir ./data) is the working directory's
  return { config: resolveConfigPaths(builtinDefaultConfig(), process.cwd()), origin: "builtin" };
}

export function loadConfigFile(file: string, opts: LoadOptions = {}): LoadedConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message;
    throw new ConfigError([
      {
        file,
        line: 1,
        col: 1,
        message: `cannot read the config: ${reason}; pass an existing file with --config`,
      },
    ]);
  }
  return { config: parseConfig(text, file, opts), path: path.resolve(file), origin: "file" };
}

/** Parses and validates config text; throws ConfigError listing every problem. */
export function parseConfig(text: string, file: string, opts: LoadOptions = {}): MamoriConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, message: string): ConfigProblem => {
    const pos = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { file, line: pos.line, col: pos.col, message };
  };
  const problems: ConfigProblem[] = [];
  for (const e of doc.errors) problems.push(at(e.pos[0], `YAML syntax error: ${firstLine(e.message)}`));
  if (problems.length > 0) throw new ConfigError(problems);

  const env = new EnvSubstitutions(doc);
  problems.push(...env.substitute(opts.env ?? process.env, at));
  // no problem message ever shows a value that came from the environment (tokens, passwords, URLs)
  const fail = (ps: ConfigProblem[]) =>
    new ConfigError(sortProblems(ps.map((p) => ({ ...p, message: env.redact(p.message) }))));
  const locate: Locator = (p, message) => at(offsetOf(doc.contents as Node | null, p, false), message);
  const locateKey = (p: readonly (string | number)[], message: string) =>
    at(offsetOf(doc.contents as Node | null, p, true), message);

  const raw = doc.toJS() ?? {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError([at(0, "the config must be a mapping of keys (data_dir:, sources:, jails: ...)")]);
  }
  let parsed = configSchema.safeParse(raw);
  // `port: ${SMTP_PORT}` is a string to YAML; where the schema wants a number or boolean it is one
  for (let pass = 0; !parsed.success && pass < 3 && env.coerce(raw, parsed.error.issues); pass++)
    parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(...issueProblems(issue, raw, locate, locateKey, (p) => env.writtenAt(p)));
    throw fail(problems);
  }
  if (problems.length > 0) throw fail(problems);

  const onWarning = opts.onWarning
    ? (p: ConfigProblem) => opts.onWarning?.({ ...p, message: env.redact(p.message) })
    : undefined;
  problems.push(...componentChecks(parsed.data, locate));
  let config = resolveConfigPaths(parsed.data, path.dirname(path.resolve(file)));
  for (const step of opts.steps ?? []) {
    const next = step(config, { locate, onWarning });
    problems.push(...next.problems);
    config = next.config;
  }
  problems.push(...crossCheck(config, locate));
  for (const check of opts.checks ?? []) problems.push(...check(config, locate));
  if (problems.length > 0) throw fail(problems);
  return config;
}

function issueProblems(
  issue: z.core.$ZodIssue,
  raw: unknown,
  locate: Locator,
  locateKey: Locator,
  writtenAt: (p: readonly (string | number)[]) => string | undefined,
): ConfigProblem[] {
  const p = issue.path as (string | number)[];
  if (issue.code === "unrecognized_keys") {
    const known = keysAtPath(configSchema, raw, p);
    return issue.keys.map((key) => {
      const guess = closest(key, known);
      const where = p.length ? ` in ${pathText(p)}` : "";
      const hint = guess
        ? `; did you mean "${guess}"?`
        : known.length
          ? `; known keys: ${known.join(", ")}`
          : "";
      return locateKey([...p, key], `unknown key "${key}"${where}${hint}`);
    });
  }
  return [locate(p, describeIssue(issue, raw, writtenAt))];
}

/** Offset of the node at path p (of the key when wantKey); falls back to the deepest node found. */
function offsetOf(root: Node | null, p: readonly (string | number)[], wantKey: boolean): number {
  let node: unknown = root;
  let best = (root as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < p.length; i++) {
    const seg = p[i];
    const last = i === p.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg),
      );
      if (!pair) return best;
      const keyNode = pair.key as Node;
      if (last && wantKey) return keyNode.range?.[0] ?? best;
      best = (pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0] ?? best;
      node = pair.value ?? keyNode;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg] as Node | undefined;
      if (!item) return best;
      best = item.range?.[0] ?? best;
      node = item;
    } else return best;
  }
  return best;
}

function sortProblems(ps: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return ps
    .filter((p) => {
      const k = `${p.line}:${p.col}:${p.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}

export function pathText(p: readonly (string | number)[]): string {
  return p.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

function firstLine(s: string): string {
  return s.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/** The known key closest to what was written (Levenshtein distance ≤ 3, or a prefix match). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  if (bestD <= Math.max(1, Math.min(3, Math.floor(word.length / 3)))) return best;
  return candidates.find((c) => c.startsWith(word) || word.startsWith(c));
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
