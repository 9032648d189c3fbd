/**
 * Reads a policy file in Wazuh's SCA format (policy, requirements, variables, checks) and compiles
 * every rule, so a scan never meets a bad regex. Every problem is reported at once, each as
 * FILE:LINE:COL with what to fix (a ConfigError: exit 2), like mamori's own config.
 */
import fs from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, parseDocument, type YAMLMap } from "yaml";
import { ConfigError, type ConfigProblem } from "../../core/errors.js";
import type { RegexEngine } from "./regex.js";
import { parseRule, type Rule, RuleError } from "./rule.js";

export type Condition = "all" | "any" | "none";

export interface RuleSet {
  condition: Condition;
  rules: Rule[];
}

export interface Check extends RuleSet {
  id: number;
  title: string;
  description?: string;
  rationale?: string;
  remediation?: string;
  compliance?: unknown;
}

export interface Policy {
  id: string;
  name: string;
  description?: string;
  /** the file it was read from */
  file: string;
  requirements?: RuleSet & { title: string };
  checks: Check[];
}

const TOP_KEYS = ["policy", "requirements", "variables", "checks"];
const CONDITIONS = ["all", "any", "none"];

export function loadPolicyFile(file: string): Policy {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "file not found" : (err as Error).message;
    throw new ConfigError([{ file, line: 1, col: 1, message: `cannot read the policy: ${reason}` }]);
  }
  return parsePolicy(text, file);
}

/** Parses and compiles a policy; throws ConfigError listing every problem. */
export function parsePolicy(text: string, file: string): Policy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  const at = (offset: number, message: string) => {
    const pos = lines.linePos(Math.max(0, Math.min(offset, text.length)));
    problems.push({ file, line: pos.line, col: pos.col, message });
  };
  for (const e of doc.errors)
    at(e.pos[0], `YAML syntax error: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
  if (problems.length > 0) throw new ConfigError(problems);
  const root = doc.contents;
  if (!isMap(root)) {
    at(0, "a policy is a mapping with policy:, checks: and optionally requirements: and variables:");
    throw new ConfigError(problems);
  }
  const r = new Reader(at);
  for (const pair of root.items)
    if (isScalar(pair.key) && !TOP_KEYS.includes(String(pair.key.value)))
      at(start(pair.key), `unknown key "${String(pair.key.value)}"; a policy has ${TOP_KEYS.join(", ")}`);

  const head = r.map(root, "policy", "policy: { id, name, description }");
  const id = head ? r.string(head, "id", "the policy's id, as sshd_hardening") : undefined;
  const name = head ? r.string(head, "name", "the policy's name") : undefined;
  const description = head ? r.string(head, "description", undefined) : undefined;
  const engineText = head ? r.string(head, "regex_type", undefined) : undefined;
  let engine: RegexEngine = "pcre2"; // as Wazuh 5; Wazuh 4 policies that need OS_Regex say regex_type: osregex
  if (engineText !== undefined) {
    if (engineText === "pcre2" || engineText === "osregex") engine = engineText;
    else
      at(
        start(pairOf(head as YAMLMap, "regex_type")?.value),
        `regex_type is "osregex" or "pcre2", not "${engineText}"`,
      );
  }
  const variables = readVariables(root, at);

  let requirements: Policy["requirements"];
  const reqNode = pairOf(root, "requirements")?.value;
  if (reqNode !== undefined && reqNode !== null) {
    if (!isMap(reqNode)) at(start(reqNode), "requirements: is a mapping { title, condition, rules }");
    else {
      const set = r.ruleSet(reqNode, variables, engine, "requirements");
      const title = r.title(reqNode, "requirements");
      if (set && title !== undefined) requirements = { ...set, title };
    }
  }

  const checks: Check[] = [];
  const checksNode = pairOf(root, "checks")?.value;
  if (!isSeq(checksNode))
    at(
      checksNode ? start(checksNode) : (root.range?.[0] ?? 0),
      "the policy needs checks: a list of checks ({ id, title, condition, rules })",
    );
  else {
    const seen = new Map<number, boolean>();
    for (const item of checksNode.items as Node[]) {
      if (!isMap(item)) {
        at(start(item), "a check is a mapping { id, title, condition, rules, ... }");
        continue;
      }
      const idNode = pairOf(item, "id")?.value;
      let checkId: number | undefined;
      if (!isScalar(idNode) || typeof idNode.value !== "number" || !Number.isInteger(idNode.value))
        at(idNode ? start(idNode) : start(item), "a check needs id: a whole number, unique in the policy");
      else if (seen.has(idNode.value))
        at(start(idNode), `check id ${idNode.value} is used twice; give each check its own id`);
      else {
        checkId = idNode.value;
        seen.set(checkId, true);
      }
      const title = r.title(item, "a check");
      const set = r.ruleSet(item, variables, r.engineOf(item, engine), "a check");
      if (checkId === undefined || title === undefined || !set) continue;
      checks.push({
        id: checkId,
        title,
        description: r.string(item, "description", undefined),
        rationale: r.string(item, "rationale", undefined),
        remediation: r.string(item, "remediation", undefined),
        compliance: pairOf(item, "compliance")?.value?.toJSON(),
        ...set,
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.sort((a, b) => a.line - b.line || a.col - b.col));
  return { id: id as string, name: name as string, description, file, requirements, checks };
}

function readVariables(root: YAMLMap, at: (o: number, m: string) => void): Map<string, string> {
  const variables = new Map<string, string>();
  const node = pairOf(root, "variables")?.value;
  if (node === undefined || node === null) return variables;
  if (!isMap(node)) {
    at(start(node), "variables: is a mapping of $name: value");
    return variables;
  }
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (!/^\$[A-Za-z0-9_.-]+$/.test(key)) {
      at(
        start(pair.key),
        `a variable's name starts with $ and has letters, digits, ., - and _ (as $sshd_file), not "${key}"`,
      );
      continue;
    }
    const v = pair.value;
    if (isScalar(v) && (typeof v.value === "string" || typeof v.value === "number"))
      variables.set(key, String(v.value));
    else if (isSeq(v)) variables.set(key, v.items.map((x) => String(isScalar(x) ? x.value : "")).join(","));
    else at(start(v ?? pair.key), `variable ${key} needs a value: a path, or paths separated by commas`);
  }
  return variables;
}

/** Reads keys from YAML nodes, reporting each problem at its position. */
class Reader {
  constructor(private readonly at: (offset: number, message: string) => void) {}

  map(parent: YAMLMap, key: string, what: string): YAMLMap | undefined {
    const pair = pairOf(parent, key);
    if (!pair) {
      this.at(parent.range?.[0] ?? 0, `the policy needs ${what}`);
      return undefined;
    }
    if (!isMap(pair.value)) {
      this.at(start(pair.value ?? pair.key), `${key}: must be a mapping: ${what}`);
      return undefined;
    }
    return pair.value;
  }

  /** A string value; `need` says what it is when the key is required. */
  string(parent: YAMLMap, key: string, need: string | undefined): string | undefined {
    const pair = pairOf(parent, key);
    if (!pair || pair.value === null || pair.value === undefined) {
      if (need) this.at(start(pair?.key ?? parent), `missing ${key}: (${need})`);
      return undefined;
    }
    const v = pair.value;
    if (isScalar(v) && (typeof v.value === "string" || typeof v.value === "number")) return String(v.value);
    this.at(start(v), `${key}: must be text`);
    return undefined;
  }

  /** Wazuh 4 calls it title, Wazuh 5 name; either is taken. */
  title(node: YAMLMap, what: string): string | undefined {
    if (pairOf(node, "name") && !pairOf(node, "title")) return this.string(node, "name", `${what}'s title`);
    return this.string(node, "title", `${what}'s title`);
  }

  engineOf(node: YAMLMap, fallback: RegexEngine): RegexEngine {
    const v = this.string(node, "regex_type", undefined);
    if (v === undefined) return fallback;
    if (v === "pcre2" || v === "osregex") return v;
    this.at(start(pairOf(node, "regex_type")?.value), `regex_type is "osregex" or "pcre2", not "${v}"`);
    return fallback;
  }

  ruleSet(
    node: YAMLMap,
    variables: ReadonlyMap<string, string>,
    engine: RegexEngine,
    what: string,
  ): RuleSet | undefined {
    const condition = this.string(node, "condition", "all, any or none");
    let ok = condition !== undefined;
    if (condition !== undefined && !CONDITIONS.includes(condition)) {
      this.at(start(pairOf(node, "condition")?.value), `condition is all, any or none, not "${condition}"`);
      ok = false;
    }
    const rulesPair = pairOf(node, "rules");
    if (!rulesPair || !isSeq(rulesPair.value) || rulesPair.value.items.length === 0) {
      this.at(
        start(rulesPair?.value ?? rulesPair?.key ?? node),
        `${what} needs rules: a list of rules such as 'f:/etc/ssh/sshd_config -> r:^PermitRootLogin'`,
      );
      return undefined;
    }
    const rules: Rule[] = [];
    for (const item of rulesPair.value.items as Node[]) {
      if (!isScalar(item) || typeof item.value !== "string") {
        this.at(start(item), "a rule is a string, as 'f:/etc/passwd'; quote it with '...'");
        ok = false;
        continue;
      }
      try {
        rules.push(parseRule(item.value, variables, engine));
      } catch (err) {
        if (!(err instanceof RuleError)) throw err;
        this.at(offsetInScalar(item, err.offset), err.message);
        ok = false;
      }
    }
    return ok ? { condition: condition as Condition, rules } : undefined;
  }
}

function pairOf(map: YAMLMap, key: string): Pair<Node, Node | null> | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key) as
    | Pair<Node, Node | null>
    | undefined;
}

function start(node: unknown): number {
  return (node as Node | null | undefined)?.range?.[0] ?? 0;
}

/**
 * Where character `offset` of a string scalar is in the file: exact for plain and single-quoted
 * scalars on one line without '' escapes; else the scalar's start.
 */
function offsetInScalar(node: Node, offset: number): number {
  const s = start(node);
  const type = isScalar(node) ? node.type : undefined;
  const value = isScalar(node) ? String(node.value) : "";
  if (value.includes("\n") || (type === "QUOTE_SINGLE" && value.includes("'"))) return s;
  if (type === "PLAIN") return s + offset;
  if (type === "QUOTE_SINGLE") return s + 1 + offset;
  if (type === "QUOTE_DOUBLE" && !/["\\]/.test(value)) return s + 1 + offset;
  return s;
}
