/** Turns schema issues into messages a person can act on, and finds the keys allowed at a config path. */
import type { z } from "zod";

type AnySchema = z.core.$ZodType;

interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  innerType?: AnySchema;
  in?: AnySchema;
  out?: AnySchema;
  options?: AnySchema[];
  discriminator?: string;
  valueType?: AnySchema;
}

export const def = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Unwraps optional/default/pipe/transform layers down to the schema that holds the shape (one layer when `oneStep`). */
export function unwrap(s: AnySchema, oneStep = false): AnySchema {
  for (;;) {
    const d = def(s);
    let next: AnySchema;
    if (d.innerType) next = d.innerType;
    else if (d.type === "pipe" && d.in && def(d.in).type !== "transform") next = d.in;
    else if (d.type === "pipe" && d.out) next = d.out;
    else return s;
    if (oneStep) return next;
    s = next;
  }
}

/** The schema at a path within the (raw) data; unions are resolved by their discriminator value. */
function schemaAt(root: AnySchema, raw: unknown, p: readonly (string | number)[]): AnySchema | undefined {
  let s: AnySchema | undefined = root;
  let value: unknown = raw;
  for (const seg of p) {
    if (!s) return undefined;
    s = pickUnion(unwrap(s), value);
    const d = def(s);
    if (d.type === "object" && d.shape) s = d.shape[String(seg)];
    else if (d.type === "array" && d.element) s = d.element;
    else if (d.type === "record" && d.valueType) s = d.valueType;
    else return undefined;
    value =
      value && typeof value === "object" ? (value as Record<string, unknown>)[seg as string] : undefined;
  }
  return s ? pickUnion(unwrap(s), value) : undefined;
}

export function pickUnion(s: AnySchema, value: unknown): AnySchema {
  const d = def(s);
  if (d.type !== "union" || !d.options) return s;
  const key = d.discriminator;
  if (key && value && typeof value === "object") {
    const want = (value as Record<string, unknown>)[key];
    for (const o of d.options) {
      const od = def(unwrap(o));
      const lit = od.shape?.[key]
        ? (def(od.shape[key]) as unknown as { values?: unknown[] }).values
        : undefined;
      if (lit?.includes(want)) return unwrap(o);
    }
  }
  const objects = d.options.map((o) => unwrap(o)).filter((o) => def(o).type === "object");
  return objects.length === 1 ? objects[0] : s;
}

/** The keys an object at path p may have (for "did you mean"). */
export function keysAtPath(root: AnySchema, raw: unknown, p: readonly (string | number)[]): string[] {
  const s = schemaAt(root, raw, p);
  const d = s ? def(s) : undefined;
  return d?.type === "object" && d.shape ? Object.keys(d.shape) : [];
}

const typeNames: Record<string, string> = {
  string: "a string",
  number: "a number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  int: "a whole number",
};

function describeValue(v: unknown, written?: string): string {
  // a value from the environment is shown as written in the file: it may be a secret
  if (written !== undefined) return `the value of "${written}"`;
  if (v === undefined) return "nothing";
  if (v === null) return "null (an empty value)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return `${typeof v} ${String(v)}`;
}

function valueAt(raw: unknown, p: readonly (string | number)[]): unknown {
  let v = raw;
  for (const seg of p)
    v = v && typeof v === "object" ? (v as Record<string, unknown>)[seg as string] : undefined;
  return v;
}

/**
 * One human message for a schema issue: what is wrong, and what to write instead. `writtenAt` gives the
 * text as written in the file (`${NAME}`) where a value came from the environment; that is shown instead.
 */
export function describeIssue(
  issue: z.core.$ZodIssue,
  raw: unknown,
  writtenAt: (p: readonly (string | number)[]) => string | undefined = () => undefined,
): string {
  const p = issue.path as (string | number)[];
  const key = p.length ? String(p[p.length - 1]) : "the config";
  const got = valueAt(raw, p);
  const written = writtenAt(p);
  const shown = written !== undefined ? `"${written}"` : String(got);
  switch (issue.code) {
    case "invalid_type": {
      const want = typeNames[issue.expected] ?? issue.expected;
      if (got === undefined) return `missing required key "${key}" (${want}); add it`;
      return `"${key}" must be ${want}, not ${describeValue(got, written)}`;
    }
    case "invalid_value":
      return `"${key}" must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, not ${describeValue(got, written)}`;
    case "invalid_union": {
      const u = issue as unknown as { discriminator?: string; options?: unknown[] };
      if (u.discriminator && u.options) {
        const opts = u.options.map((o) => JSON.stringify(o)).join(", ");
        return got === undefined
          ? `missing "${u.discriminator}"; set it to one of ${opts}`
          : `unknown ${u.discriminator} ${written !== undefined ? shown : JSON.stringify(got)}; expected one of ${opts}`;
      }
      if (got === undefined) return `missing required key "${key}"; add it`;
      return `"${key}" has an unexpected form (${describeValue(got, written)})`;
    }
    case "too_small":
      if (issue.origin === "array") return `"${key}" needs at least ${issue.minimum} item(s)`;
      if (issue.origin === "string") return `"${key}" must not be empty`;
      return `"${key}" must be at least ${issue.minimum}, not ${shown}`;
    case "too_big":
      if (issue.origin === "array") return `"${key}" takes at most ${issue.maximum} item(s)`;
      return `"${key}" must be at most ${issue.maximum}, not ${shown}`;
    case "invalid_format":
      return `"${key}": ${issue.message}`;
    default:
      return `"${key}": ${issue.message}`;
  }
}
