/**
 * The syntax tree of a Python `re` pattern (Python 3.11 syntax, str patterns). Nodes that depend on
 * a flag carry the flag in effect where they were written, so scoped flags `(?i:...)` need no context later.
 */

export interface Flags {
  /** re.IGNORECASE */
  i: boolean;
  /** re.MULTILINE */
  m: boolean;
  /** re.DOTALL */
  s: boolean;
  /** re.VERBOSE */
  x: boolean;
  /** re.ASCII */
  a: boolean;
}

export type ClassEscape = "d" | "D" | "w" | "W" | "s" | "S";

export type ClassItem = { lo: number; hi: number } | { esc: ClassEscape };

export type GroupKind = "cap" | "nc" | "la" | "nla" | "lb" | "nlb" | "atomic";

export type Node =
  | { t: "seq"; items: Node[] }
  | { t: "alt"; alts: Node[] }
  | { t: "group"; kind: GroupKind; num?: number; name?: string; body: Node; pos: number }
  | { t: "rep"; min: number; max: number; lazy: boolean; possessive: boolean; body: Node }
  | { t: "char"; cp: number; i: boolean }
  | { t: "class"; neg: boolean; items: ClassItem[]; i: boolean; a: boolean }
  | { t: "esc"; c: ClassEscape; a: boolean }
  | { t: "dot"; s: boolean }
  | { t: "bol"; m: boolean }
  | { t: "eol"; m: boolean }
  | { t: "bos" }
  | { t: "eos" }
  | { t: "wordb"; neg: boolean; a: boolean }
  | { t: "backref"; num: number; i: boolean; pos: number }
  | { t: "cond"; num: number; yes: Node; no: Node; pos: number };

/** A parsed pattern: the tree, the global flags and the groups by number and name. */
export interface ParsedPattern {
  root: Node;
  flags: Flags;
  groupCount: number;
  /** Python group name → group number */
  names: Map<string, number>;
}

/** Why a pattern cannot be used, at an offset of the pattern text (0-based). */
export class PyRegexError extends Error {
  readonly offset: number;
  readonly reason: string;
  constructor(reason: string, offset: number) {
    super(`${reason} (at position ${offset})`);
    this.name = "PyRegexError";
    this.reason = reason;
    this.offset = offset;
  }
}

export function seq(items: Node[]): Node {
  return items.length === 1 ? items[0] : { t: "seq", items };
}

/** Deep copy (nodes are plain data). */
export function cloneNode(n: Node): Node {
  return structuredClone(n);
}
