/**
 * fail2ban's `fail = preGroups.copy(); fail.update(failRegex.getGroups())` as code generated once per
 * failregex and prefregex key list: the failregex's groupdict with its alt_/tuple_ groups applied, merged
 * over the prefregex's dict in one object literal. Every merged dict of a regex then has one shape,
 * where merging key by key gave each a chain of shapes and megamorphic stores on every failure line.
 */
import { groupValueExpr, propertyKey, type TranslatedRegex } from "../pyregex/index.js";
import type { Fail } from "./regex.js";

export type GroupsMerger = (m: RegExpExecArray, pre: Fail) => Fail;

/**
 * `alt` and `tuple`: [group, target key] pairs in the order getGroups applies them. `preKeys`: the keys the
 * prefregex dict always has (and no others). Key names are embedded as JSON strings and group indexes as
 * numbers: no text of a filter is run as code.
 */
export function groupsMerger(
  t: TranslatedRegex,
  alt: readonly (readonly [string, string])[],
  tuple: readonly (readonly [string, string])[],
  preKeys: readonly string[],
): GroupsMerger {
  const own = [...t.named.keys()];
  const ownSet = new Set(own);
  const J = (k: string) => JSON.stringify(k);
  const P = propertyKey;
  const local = new Map<string, string>();
  const code: string[] = [];
  own.forEach((k, i) => {
    local.set(k, `o${i}`);
    code.push(`let o${i} = ${groupValueExpr(t.named.get(k) ?? [])};`);
  });
  // keys only alt_/tuple_ groups give: in the dict only once one of them is set
  const added: string[] = [];
  for (const [, n] of [...alt, ...tuple]) if (!ownSet.has(n) && !added.includes(n)) added.push(n);
  const has = new Map<string, string>();
  added.forEach((n, i) => {
    local.set(n, `x${i}`);
    has.set(n, `h${i}`);
    code.push(`let x${i}; let h${i} = false;`);
  });
  const v = (k: string) => local.get(k) as string;
  const mark = (n: string) => (has.has(n) ? ` ${has.get(n)} = true;` : "");
  // getGroups: `v = fail.get(k); if v and not fail.get(n): fail[n] = v`, then the tuples
  for (const [k, n] of alt) code.push(`if (${v(k)} && !${v(n)}) { ${v(n)} = ${v(k)};${mark(n)} }`);
  for (const [k, n] of tuple) {
    code.push(
      `{ const t = ${v(n)}; ${v(n)} = Array.isArray(t) ? [...t, ${v(k)}] : [t, ${v(k)}];${mark(n)} }`,
    );
  }
  const props: string[] = [];
  for (const k of preKeys) {
    if (ownSet.has(k)) props.push(`${P(k)}: ${v(k)}`);
    else if (has.has(k)) props.push(`${P(k)}: ${has.get(k)} ? ${v(k)} : pre[${J(k)}]`);
    else props.push(`${P(k)}: pre[${J(k)}]`);
  }
  for (const k of own) if (!preKeys.includes(k)) props.push(`${P(k)}: ${v(k)}`);
  code.push(`const r = { ${props.join(", ")} };`);
  for (const n of added) if (!preKeys.includes(n)) code.push(`if (${has.get(n)}) r[${J(n)}] = ${v(n)};`);
  code.push("return r;");
  return new Function("m", "pre", code.join("\n")) as GroupsMerger;
}
