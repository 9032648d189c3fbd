/**
 * One SCA rule, parsed and compiled once when its policy loads:
 *
 *   [not ]f:PATH[,PATH...] [-> CONTENT]          a file exists / has a line that satisfies CONTENT
 *   [not ]d:DIR [-> FILE [-> CONTENT]]           a directory exists / holds a file named FILE (r:REGEX or
 *                                                a literal name), searched recursively / with such a line
 *   [not ]p:NAME | p:r:REGEX                     a running process of that name
 *   [not ]c:COMMAND -> CONTENT                   the command's output has such a line (argv, no shell)
 *
 * CONTENT is conditions joined by ` && `, all true on one line: `r:REGEX`, `n:REGEX compare OP N` (the
 * first capture group compared as an integer), or a literal whole line; each may be negated with `!`.
 * `$name` variables of the policy are replaced in the part left of the first ` -> ` (others stay as written).
 */
import { AuditRegexError, compileAuditRegex, type RegexEngine } from "./regex.js";

export type CompareOp = "<" | "<=" | "==" | "!=" | ">=" | ">";

export type Condition = {
  negate: boolean;
  /** a lone `!cond` of a pcre2 policy: true when no line satisfies cond (Wazuh 5) */
  noLine?: boolean;
} & (
  | { kind: "regex"; re: RegExp }
  | { kind: "numeric"; re: RegExp; op: CompareOp; value: number }
  | { kind: "literal"; text: string }
);

/** What a directory's files are picked by: a regex on the name, or the exact name. */
export type NameMatcher = { kind: "regex"; re: RegExp } | { kind: "literal"; name: string };

export type Rule = { text: string; not: boolean } & (
  | { type: "file"; targets: string[]; content?: Condition[] }
  | { type: "dir"; targets: string[]; file?: NameMatcher; content?: Condition[] }
  | { type: "process"; name: NameMatcher }
  | { type: "command"; command: string; argv: string[]; content: Condition[] }
);

/** A rule that cannot be used; `offset` is where in the rule's text, when known. */
export class RuleError extends Error {
  constructor(
    message: string,
    readonly offset = 0,
  ) {
    super(message);
    this.name = "RuleError";
  }
}

const ARROW = " -> ";
const OPS: Record<string, CompareOp> = {
  "<": "<",
  "<=": "<=",
  "==": "==",
  "!=": "!=",
  ">=": ">=",
  ">": ">",
  // spellings found in Wazuh 4.x's own policies
  "=": "==",
  "=>": ">=",
  "=<": "<=",
  "\\!=": "!=",
};

export function parseRule(text: string, variables: ReadonlyMap<string, string>, engine: RegexEngine): Rule {
  let rest = text.trim();
  let base = text.indexOf(rest);
  let not = false;
  if (/^not\s+/.test(rest)) {
    const m = /^not\s+/.exec(rest) as RegExpExecArray;
    not = true;
    rest = rest.slice(m[0].length);
    base += m[0].length;
  }
  const typeMatch = /^([fdpcr]):/.exec(rest);
  if (!typeMatch)
    throw new RuleError(
      `unknown rule type: a rule starts with f: (file), d: (directory), p: (process) or c: (command), optionally after "not "`,
      base,
    );
  const type = typeMatch[1];
  if (type === "r")
    throw new RuleError(
      "r: rules read the Windows registry; mamori audits Linux hosts, remove this rule",
      base,
    );
  const body = rest.slice(2);
  const bodyAt = base + 2;
  const arrow = body.indexOf(ARROW);
  const left = (arrow < 0 ? body : body.slice(0, arrow)).trim();
  const right = arrow < 0 ? undefined : body.slice(arrow + ARROW.length);
  const rightAt = bodyAt + arrow + ARROW.length;
  if (left === "") throw new RuleError(`the rule names no ${typeName(type)} after "${type}:"`, bodyAt);
  const target = substitute(left, variables);
  const tight = arrow < 0 ? /\S->|->\S/.exec(body) : null;
  if (tight)
    throw new RuleError(
      'write " -> " with a space on each side of the arrow (as Wazuh requires)',
      bodyAt + tight.index + (tight[0].startsWith("-") ? 0 : 1),
    );

  if (type === "f") {
    const targets = splitTargets(target, bodyAt);
    return {
      text,
      not,
      type: "file",
      targets,
      content: right === undefined ? undefined : parseContent(right, rightAt, engine),
    };
  }
  if (type === "d") {
    const targets = splitTargets(target, bodyAt);
    if (right === undefined) return { text, not, type: "dir", targets };
    const second = right.indexOf(ARROW);
    const fileText = second < 0 ? right : right.slice(0, second);
    const file = parseName(fileText.trim(), rightAt, engine);
    const content =
      second < 0
        ? undefined
        : parseContent(right.slice(second + ARROW.length), rightAt + second + ARROW.length, engine);
    return { text, not, type: "dir", targets, file, content };
  }
  if (type === "p") {
    if (right !== undefined)
      throw new RuleError(
        'process rules only check that a process runs; remove the " -> ..." part',
        rightAt - ARROW.length,
      );
    return { text, not, type: "process", name: parseName(target, bodyAt, engine) };
  }
  if (right === undefined)
    throw new RuleError(
      'a command rule checks the output: add " -> r:REGEX" (or a literal line) after the command',
      bodyAt + body.length,
    );
  return {
    text,
    not,
    type: "command",
    command: target,
    argv: splitArgv(target, bodyAt),
    content: parseContent(right, rightAt, engine),
  };
}

function typeName(t: string): string {
  return t === "f" ? "file" : t === "d" ? "directory" : t === "p" ? "process" : "command";
}

/**
 * Replaces the policy's variables, longest name first (so $sshd_files is not read as $sshd_file + "s").
 * Like Wazuh, a `$word` that names no variable stays as written: commands use `$1`, `$HOME` and the like.
 */
function substitute(s: string, variables: ReadonlyMap<string, string>): string {
  if (variables.size === 0 || !s.includes("$")) return s;
  const names = [...variables.keys()].sort((a, b) => b.length - a.length);
  const re = new RegExp(names.map((n) => n.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")).join("|"), "g");
  return s.replace(re, (name) => variables.get(name) as string);
}

function splitTargets(target: string, at: number): string[] {
  const targets = target
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  for (const t of targets)
    if (!t.startsWith("/"))
      throw new RuleError(`"${t}" is not an absolute path: file and directory rules name absolute paths`, at);
  return targets;
}

function parseName(s: string, at: number, engine: RegexEngine): NameMatcher {
  if (s.startsWith("r:")) return { kind: "regex", re: regex(s.slice(2), at + 2, engine) };
  if (s === "") throw new RuleError("the name is empty", at);
  return { kind: "literal", name: s };
}

function parseContent(s: string, at: number, engine: RegexEngine): Condition[] {
  const out: Condition[] = [];
  let offset = 0;
  for (const part of s.split(" && ")) {
    out.push(parseCondition(part, at + offset, engine));
    offset += part.length + 4;
  }
  // Wazuh 5 (pcre2) reads a lone negated condition as "no line matches"; Wazuh 4 as "a line does not match"
  if (engine === "pcre2" && out.length === 1 && out[0].negate) out[0] = { ...out[0], noLine: true };
  return out;
}

function parseCondition(s: string, at: number, engine: RegexEngine): Condition {
  let negate = false;
  let text = s;
  if (text.startsWith("!")) {
    negate = true;
    text = text.slice(1);
    at += 1;
  }
  if (text.startsWith("r:")) return { negate, kind: "regex", re: regex(text.slice(2), at + 2, engine) };
  if (text.startsWith("n:")) {
    const m = /^(.*) compare (\S+) (-?\d+)\s*$/.exec(text.slice(2));
    if (!m)
      throw new RuleError(
        'a numeric condition reads "n:REGEX_WITH_A_(\\d+)_GROUP compare OP NUMBER", OP one of < <= == != >= >',
        at,
      );
    const op = OPS[m[2]];
    if (!op)
      throw new RuleError(
        `unknown comparison "${m[2]}": use one of < <= == != >= >`,
        at + 2 + m[1].length + 9,
      );
    const re = regex(m[1], at + 2, engine);
    if (new RegExp(`${re.source}|`).exec("")?.length === 1)
      throw new RuleError(
        "the regex of a numeric condition needs a capture group around the number, as (\\d+)",
        at + 2,
      );
    return { negate, kind: "numeric", re, op, value: Number(m[3]) };
  }
  if (text === "") throw new RuleError("the content condition is empty", at);
  return { negate, kind: "literal", text };
}

function regex(pattern: string, at: number, engine: RegexEngine): RegExp {
  try {
    return compileAuditRegex(pattern, engine);
  } catch (err) {
    if (err instanceof AuditRegexError)
      throw new RuleError(`${engine} regex: ${err.message}`, at + (err.offset ?? 0));
    throw err;
  }
}

/**
 * Splits a command into argv the way a reader expects, with no shell: blanks separate words, '...' and
 * "..." group them; nothing else is special ($, ;, |, > and backquotes reach the program as written).
 */
export function splitArgv(command: string, at = 0): string[] {
  const argv: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | undefined;
  for (const c of command) {
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) argv.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new RuleError(`the command has an unclosed ${quote} quote`, at);
  if (inWord) argv.push(word);
  if (argv.length === 0) throw new RuleError("the command is empty", at);
  return argv;
}
