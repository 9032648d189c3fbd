/**
 * JavaScript has no conditionals `(?(g)yes|no)`. When the group g sits in an earlier item of the same
 * sequence, the sequence is split on whether g took part: `(?P<g>a)? b (?(g)y|n)` becomes
 * `(?:(?P<g>a) b y | b n)` — same matches, same backtracking order. Other shapes are reported.
 */
import { cloneNode, type Node, PyRegexError, seq } from "./ast.js";

type Path = Node[];

function children(n: Node): Node[] {
  switch (n.t) {
    case "seq":
      return n.items;
    case "alt":
      return n.alts;
    case "group":
    case "rep":
      return [n.body];
    case "cond":
      return [n.yes, n.no];
    default:
      return [];
  }
}

/** The path from root to the first node `pred` accepts. `path` is a stack: copied only when found. */
function findPath(root: Node, pred: (n: Node) => boolean, path: Path = []): Path | undefined {
  path.push(root);
  let found: Path | undefined;
  if (pred(root)) found = [...path];
  else {
    for (const c of children(root)) {
      found = findPath(c, pred, path);
      if (found) break;
    }
  }
  path.pop();
  return found;
}

function contains(n: Node, num: number): boolean {
  return !!findPath(n, (x) => x.t === "group" && x.kind === "cap" && x.num === num);
}

function allPaths(root: Node, pred: (n: Node) => boolean, path: Path = [], out: Path[] = []): Path[] {
  path.push(root);
  if (pred(root)) out.push([...path]);
  for (const c of children(root)) allPaths(c, pred, path, out);
  path.pop();
  return out;
}

function commonPrefix(a: Path, b: Path): number {
  let d = 0;
  while (d < a.length && d < b.length && a[d] === b[d]) d++;
  return d;
}

interface Variant {
  node: Node;
  has: boolean;
}

/** The alternatives of `n` (in match order), each knowing whether group `num` took part. */
function split(n: Node, num: number, pos: number): Variant[] {
  if (!contains(n, num)) return [{ node: n, has: false }];
  switch (n.t) {
    case "group":
      if (n.kind === "cap" && n.num === num) return [{ node: n, has: true }];
      if (n.kind !== "cap" && n.kind !== "nc")
        throw new PyRegexError(
          `conditional on group ${num}: the group is inside a lookaround or atomic group`,
          pos,
        );
      return split(n.body, num, pos).map((v) => ({ node: { ...n, body: v.node }, has: v.has }));
    case "alt":
      return n.alts.flatMap((a) => split(a, num, pos));
    case "seq": {
      const k = n.items.findIndex((it) => contains(it, num));
      return split(n.items[k], num, pos).map((v) => ({
        node: seq([...n.items.slice(0, k), v.node, ...n.items.slice(k + 1)]),
        has: v.has,
      }));
    }
    case "rep": {
      if (n.possessive || n.max > 1)
        throw new PyRegexError(`conditional on group ${num}: the group is inside a repetition`, pos);
      const body = split(n.body, num, pos);
      if (n.min === 1) return body;
      const none: Variant = { node: seq([]), has: false };
      return n.lazy ? [none, ...body] : [...body, none];
    }
    default:
      throw new PyRegexError(`conditional on group ${num} cannot be translated`, pos);
  }
}

/** Replaces every conditional on `num` by the branch that applies. */
function resolve(n: Node, num: number, has: boolean): Node {
  if (n.t === "cond" && n.num === num) return resolve(has ? n.yes : n.no, num, has);
  switch (n.t) {
    case "seq":
      return { ...n, items: n.items.map((c) => resolve(c, num, has)) };
    case "alt":
      return { ...n, alts: n.alts.map((c) => resolve(c, num, has)) };
    case "group":
    case "rep":
      return { ...n, body: resolve(n.body, num, has) };
    case "cond":
      return { ...n, yes: resolve(n.yes, num, has), no: resolve(n.no, num, has) };
    default:
      return n;
  }
}

function replaceNode(root: Node, target: Node, by: Node): Node {
  if (root === target) return by;
  switch (root.t) {
    case "seq":
      return { ...root, items: root.items.map((c) => replaceNode(c, target, by)) };
    case "alt":
      return { ...root, alts: root.alts.map((c) => replaceNode(c, target, by)) };
    case "group":
    case "rep":
      return { ...root, body: replaceNode(root.body, target, by) };
    case "cond":
      return { ...root, yes: replaceNode(root.yes, target, by), no: replaceNode(root.no, target, by) };
    default:
      return root;
  }
}

function rewriteOne(root: Node, cond: Extract<Node, { t: "cond" }>, condPath: Path): Node {
  // a group copied by an earlier rewrite: take the copy in the conditional's own branch
  const gPath = allPaths(root, (x) => x.t === "group" && x.kind === "cap" && x.num === cond.num)
    .map((p) => ({ p, common: commonPrefix(p, condPath) }))
    .sort((a, b) => b.common - a.common)[0]?.p;
  const why = `conditional (?(${cond.num})...) cannot be translated to JavaScript`;
  if (!gPath) throw new PyRegexError(`${why}: group ${cond.num} does not exist`, cond.pos);
  let d = 0;
  while (d < gPath.length && d < condPath.length && gPath[d] === condPath[d]) d++;
  const lca = gPath[d - 1];
  if (!lca || lca.t !== "seq" || d >= gPath.length || d >= condPath.length)
    throw new PyRegexError(`${why}: the group and the conditional are not in one sequence`, cond.pos);
  const i = lca.items.indexOf(gPath[d]);
  const j = lca.items.indexOf(condPath[d]);
  if (i >= j) throw new PyRegexError(`${why}: the conditional comes before its group`, cond.pos);
  for (const anc of gPath.slice(0, d)) {
    if (anc.t === "rep" && anc.max > 1)
      throw new PyRegexError(`${why}: the group is inside a repetition`, cond.pos);
  }
  const rest = lca.items.slice(i + 1);
  const alts = split(lca.items[i], cond.num, cond.pos).map((v) =>
    seq([v.node, ...rest.map((r) => resolve(cloneNode(r), cond.num, v.has))]),
  );
  const replacement = seq([...lca.items.slice(0, i), { t: "alt", alts }]);
  return replaceNode(root, lca, replacement);
}

export function rewriteConditionals(root: Node): Node {
  let r = root;
  for (let guard = 0; guard < 64; guard++) {
    const path = findPath(r, (x) => x.t === "cond");
    if (!path) return r;
    r = rewriteOne(r, path[path.length - 1] as Extract<Node, { t: "cond" }>, path);
  }
  throw new PyRegexError("too many conditionals to translate", 0);
}
