/** The parsed form of every kind of filter pattern. Every node has start/end offsets into the pattern text. */
import type { RegexNode } from "./regex/ast.js";
import type { CompareOp, ValueNode } from "./values.js";

export type PatternKind = "all" | "term" | "regex" | "space" | "json";

/** One term of a term pattern: plain (all must occur), `?` (any), `-` (must not occur). */
export interface TermNode {
  type: "term";
  mode: "all" | "any" | "not";
  /** The text to find, or undefined for a regex term. */
  text?: string;
  regex?: RegexNode;
  start: number;
  end: number;
}

export interface Selector {
  /** Keys and array indexes from the root, e.g. ["users", 0, "id"]. */
  path: (string | number)[];
  text: string;
  start: number;
  end: number;
}

export type JsonExpr =
  | { type: "or" | "and"; items: JsonExpr[]; start: number; end: number }
  | { type: "compare"; selector: Selector; op: CompareOp; value: ValueNode; start: number; end: number }
  | { type: "is"; selector: Selector; what: "TRUE" | "FALSE" | "NULL"; start: number; end: number }
  | { type: "notExists"; selector: Selector; start: number; end: number };

/** A condition inside one slot of a space-delimited pattern: `bytes > 100 && bytes < 200 || bytes = 0`. */
export type FieldCondition =
  | { type: "or" | "and"; items: FieldCondition[]; start: number; end: number }
  | { type: "compare"; name: string; op: CompareOp; value: ValueNode; start: number; end: number };

export type SpaceSlot =
  | { type: "ellipsis"; start: number; end: number }
  | { type: "field"; name: string; condition?: FieldCondition; start: number; end: number };

export type PatternAst =
  | { kind: "all"; start: number; end: number }
  | { kind: "term"; terms: TermNode[]; start: number; end: number }
  | { kind: "regex"; regex: RegexNode; start: number; end: number }
  | { kind: "space"; slots: SpaceSlot[]; start: number; end: number }
  | { kind: "json"; expr: JsonExpr; start: number; end: number };
