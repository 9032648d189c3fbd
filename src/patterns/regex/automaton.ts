/**
 * Runs a parsed filter-pattern regex in linear time: Thompson NFA, simulated through a lazily built DFA
 * whose state cache is capped (when full it is dropped and rebuilt), so every input character costs at
 * most one pass over the NFA. No backtracking anywhere, whatever the pattern and the line.
 * `^` and `$` are compiled as transitions on two sentinel symbols fed before and after the text.
 */
import { PatternSyntaxError } from "../errors.js";
import { type CharSet, charSetHas, type RegexNode } from "./ast.js";

const BEGIN = 0x10000;
const END = 0x10001;
const KIND_CHARS = 0;
const KIND_SPLIT = 1;
const KIND_MATCH = 2;
const KIND_SYMBOL = 3;

export const MAX_NFA_STATES = 20_000;
const MAX_DFA_STATES = 2_000;

class Nfa {
  kind: number[] = [];
  out1: number[] = [];
  out2: number[] = [];
  sets: (CharSet | undefined)[] = [];
  /** For KIND_SYMBOL: BEGIN or END. */
  symbol: number[] = [];

  add(kind: number, out1: number, out2 = -1, set?: CharSet, symbol = -1): number {
    this.kind.push(kind);
    this.out1.push(out1);
    this.out2.push(out2);
    this.sets.push(set);
    this.symbol.push(symbol);
    return this.kind.length - 1;
  }

  get size(): number {
    return this.kind.length;
  }
}

/** Builds the states for `node` that continue to `next`, back to front; returns the entry state. */
function build(nfa: Nfa, node: RegexNode, next: number, fail: (n: RegexNode) => never): number {
  if (nfa.size > MAX_NFA_STATES) fail(node);
  switch (node.type) {
    case "chars":
      return nfa.add(KIND_CHARS, next, -1, node.set);
    case "begin":
      return nfa.add(KIND_SYMBOL, next, -1, undefined, BEGIN);
    case "end":
      return nfa.add(KIND_SYMBOL, next, -1, undefined, END);
    case "concat": {
      let cur = next;
      for (let i = node.items.length - 1; i >= 0; i--) cur = build(nfa, node.items[i], cur, fail);
      return cur;
    }
    case "alt": {
      let cur = build(nfa, node.alternatives[node.alternatives.length - 1], next, fail);
      for (let i = node.alternatives.length - 2; i >= 0; i--) {
        cur = nfa.add(KIND_SPLIT, build(nfa, node.alternatives[i], next, fail), cur);
      }
      return cur;
    }
    case "repeat": {
      let cur = next;
      if (node.max === Number.POSITIVE_INFINITY) {
        // The repeated node is a single atom that always consumes a symbol, so the loop has no empty cycle.
        const loop = nfa.add(KIND_SPLIT, -1, next);
        nfa.out1[loop] = build(nfa, node.node, loop, fail);
        cur = loop;
      } else {
        for (let i = node.min; i < node.max; i++)
          cur = nfa.add(KIND_SPLIT, build(nfa, node.node, cur, fail), next);
      }
      for (let i = 0; i < node.min; i++) cur = build(nfa, node.node, cur, fail);
      return cur;
    }
  }
}

class DState {
  readonly ascii: (DState | undefined)[] = new Array(128);
  other: Map<number, DState> | undefined;
  constructor(
    readonly nfaStates: Int32Array,
    readonly accepting: boolean,
    readonly dead: boolean,
  ) {}
}

/** A compiled regex: `test` says whether it matches anywhere in text[from, to). */
export class RegexMatcher {
  private readonly nfa: Nfa;
  private readonly startSet: Int32Array;
  private readonly anchored: boolean;
  private cache = new Map<string, DState>();
  private start: DState;
  private readonly mark: Int32Array;
  private generation = 0;

  /** Text every match contains: when it is missing the automaton does not run at all. */
  private readonly literal: string;

  constructor(nfa: Nfa, entry: number, literal = "") {
    this.nfa = nfa;
    this.literal = literal.length >= 3 ? literal : "";
    this.mark = new Int32Array(nfa.size);
    const seeds: number[] = [];
    this.closure(entry, seeds);
    this.startSet = Int32Array.from(seeds.sort((a, b) => a - b));
    // Anchored at the start when every way in begins with '^': then the start set is not re-injected.
    this.anchored = seeds.every((s) => nfa.kind[s] === KIND_SYMBOL && nfa.symbol[s] === BEGIN);
    this.start = this.intern(this.startSet);
  }

  /** Adds the consuming states reachable from `state` without input to `out` (once per generation). */
  private closure(state: number, out: number[]): void {
    const stack = [state];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (this.mark[s] === this.generation + 1) continue;
      this.mark[s] = this.generation + 1;
      const kind = this.nfa.kind[s];
      if (kind === KIND_SPLIT) {
        stack.push(this.nfa.out2[s], this.nfa.out1[s]);
      } else {
        out.push(s);
      }
    }
  }

  private intern(set: Int32Array): DState {
    const key = set.join(",");
    let state = this.cache.get(key);
    if (state) return state;
    if (this.cache.size >= MAX_DFA_STATES) {
      // Bounded memory: drop every cached state (the start state too, so old ones become unreachable).
      this.cache = new Map();
      this.start = new DState(this.startSet, this.hasMatch(this.startSet), false);
      this.cache.set(this.startSet.join(","), this.start);
      if (key === this.startSet.join(",")) return this.start;
    }
    state = new DState(set, this.hasMatch(set), set.length === 0);
    this.cache.set(key, state);
    return state;
  }

  private hasMatch(set: Int32Array): boolean {
    for (const s of set) if (this.nfa.kind[s] === KIND_MATCH) return true;
    return false;
  }

  private step(from: DState, symbol: number): DState {
    this.generation++;
    if (this.generation >= 0x3ffffffe) {
      this.mark.fill(0);
      this.generation = 1;
    }
    const out: number[] = [];
    const nfa = this.nfa;
    for (const s of from.nfaStates) {
      const kind = nfa.kind[s];
      const hit =
        kind === KIND_CHARS
          ? symbol < 0x10000 && charSetHas(nfa.sets[s]!, symbol)
          : kind === KIND_SYMBOL && nfa.symbol[s] === symbol;
      if (hit) this.closure(nfa.out1[s], out);
    }
    if (!this.anchored) for (const s of this.startSet) if (this.mark[s] !== this.generation + 1) out.push(s);
    const next = this.intern(Int32Array.from(out.sort((a, b) => a - b)));
    if (symbol < 128) from.ascii[symbol] = next;
    else {
      from.other ??= new Map();
      from.other.set(symbol, next);
    }
    return next;
  }

  test(text: string, from = 0, to = text.length): boolean {
    if (this.literal !== "") {
      const at = text.indexOf(this.literal, from);
      if (at < 0 || at + this.literal.length > to) return false;
    }
    let s = this.start;
    if (s.accepting) return true;
    s = s.other?.get(BEGIN) ?? this.step(s, BEGIN);
    for (let i = from; i < to; i++) {
      if (s.accepting) return true;
      if (s.dead) return false;
      const c = text.charCodeAt(i);
      s = (c < 128 ? s.ascii[c] : s.other?.get(c)) ?? this.step(s, c);
    }
    if (s.accepting) return true;
    if (s.dead) return false;
    return (s.other?.get(END) ?? this.step(s, END)).accepting;
  }
}

/** A single literal character node's code, or -1. */
function literalCode(node: RegexNode): number {
  if (node.type !== "chars" || node.set.negated || node.set.ranges.length !== 2) return -1;
  return node.set.ranges[0] === node.set.ranges[1] ? node.set.ranges[0] : -1;
}

/** The longest run of literal characters every match must contain (only for a regex without '|'). */
export function requiredLiteral(node: RegexNode): string {
  const items = node.type === "concat" ? node.items : [node];
  let best = "";
  let run = "";
  for (const item of items) {
    const code = item.type === "repeat" && item.min >= 1 ? literalCode(item.node) : literalCode(item);
    if (code >= 0) run += String.fromCharCode(code);
    if (code < 0 || item.type === "repeat") {
      if (run.length > best.length) best = run;
      run = "";
    }
  }
  return run.length > best.length ? run : best;
}

/** Compiles a parsed regex; `source` is the pattern text, for the position of a too-large error. */
export function compileRegex(source: string, node: RegexNode): RegexMatcher {
  const nfa = new Nfa();
  const match = nfa.add(KIND_MATCH, -1);
  const entry = build(nfa, node, match, (n) => {
    throw new PatternSyntaxError(
      source,
      n.start,
      `regex too large (over ${MAX_NFA_STATES} automaton states): lower the repeat counts`,
    );
  });
  return new RegexMatcher(nfa, entry, requiredLiteral(node));
}
