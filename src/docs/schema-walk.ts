/**
 * Walks the composed config schema (zod 4) at run time and lists every key it accepts: its path, type,
 * whether it is required, and its default. The config reference is generated from this list, so a key
 * added to any component's schema shows up (and must be described) without anything else changing.
 * Paths: `data_dir`, `smtp.host`, `jails[].bantime`, `sources[type=file].path` (one per variant of a
 * list of discriminated objects).
 */
import { z } from "zod";

export interface SchemaKey {
  path: string;
  /** what a user writes, in words: `string`, `integer 1–65535`, `duration`, `list of string`, `object`… */
  type: string;
  required: boolean;
  /** present when the schema fills the key in */
  default?: { value: unknown };
  /** an object or a list of objects whose own keys follow */
  container: boolean;
}

interface Def {
  type: string;
  [key: string]: unknown;
}
type Schema = z.ZodType;

const defOf = (s: Schema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

interface Unwrapped {
  core: Schema;
  optional: boolean;
  default?: { value: unknown };
  duration: boolean;
}

/** A pipe that turns "10m" into 600 is one of the config's durations. */
function isDuration(s: Schema): boolean {
  const r = s.safeParse("10m");
  return r.success && r.data === 600;
}

/** Peels optional/default/pipe/… wrappers off a schema, keeping what they say about the key. */
function unwrap(schema: Schema): Unwrapped {
  const out: Unwrapped = { core: schema, optional: false, duration: false };
  for (;;) {
    const def = defOf(out.core);
    if (def.type === "optional") out.optional = true;
    else if (def.type === "default" || def.type === "prefault") {
      out.default ??= { value: def.defaultValue };
    } else if (def.type === "pipe") {
      if (!out.duration && isDuration(out.core)) out.duration = true;
      out.core = def.in as Schema;
      continue;
    } else if (def.type === "lazy") {
      out.core = (def.getter as () => Schema)();
      continue;
    } else if (!["nullable", "readonly", "catch", "nonoptional"].includes(def.type)) return out;
    out.core = def.innerType as Schema;
  }
}

/** The discriminator and its value for each option, when a union is one of objects told apart by a key. */
function variantsOf(core: Schema): Array<{ label: string; shape: Schema }> | undefined {
  const def = defOf(core);
  if (def.type !== "union") return undefined;
  const key = def.discriminator as string | undefined;
  if (!key) return undefined;
  return (def.options as Schema[]).map((o) => {
    const shape = unwrap(o).core;
    const literal = defOf(unwrap(objectShape(shape)[key]).core);
    return { label: `${key}=${String((literal.values as unknown[])[0])}`, shape };
  });
}

function objectShape(s: Schema): Record<string, Schema> {
  return defOf(s).shape as Record<string, Schema>;
}

function numberType(s: Schema): string {
  const def = defOf(s);
  let js: { type?: string; minimum?: number; maximum?: number; exclusiveMinimum?: number } = {};
  try {
    js = z.toJSONSchema(s, { unrepresentable: "any" }) as typeof js;
  } catch {
    // keep the bare type
  }
  const name = js.type === "integer" || def.type === "int" ? "integer" : "number";
  const max = js.maximum !== undefined && js.maximum < Number.MAX_SAFE_INTEGER ? js.maximum : undefined;
  const min = js.minimum !== undefined && js.minimum > Number.MIN_SAFE_INTEGER ? js.minimum : undefined;
  if (min !== undefined && max !== undefined) return `${name} ${min}–${max}`;
  if (min !== undefined) return `${name} ≥ ${min}`;
  const above = js.exclusiveMinimum;
  if (above !== undefined)
    return name === "integer" ? `${name} ≥ ${Math.floor(above) + 1}` : `${name} > ${above}`;
  return name;
}

/** The type of a key, in words. */
export function typeName(schema: Schema): string {
  const u = unwrap(schema);
  if (u.duration) return "duration";
  const def = defOf(u.core);
  switch (def.type) {
    case "string":
      return "string";
    case "number":
    case "int":
      return numberType(u.core);
    case "boolean":
      return "boolean";
    case "enum":
      return Object.values(def.entries as Record<string, string>)
        .map((v) => `\`${v}\``)
        .join(" or ");
    case "literal":
      return (def.values as unknown[]).map((v) => `\`${String(v)}\``).join(" or ");
    case "array":
      return `list of ${typeName(def.element as Schema)}`;
    case "record":
      return `map of ${typeName(def.keyType as Schema)} to ${typeName(def.valueType as Schema)}`;
    case "union":
      return (def.options as Schema[]).map(typeName).join(" or ");
    case "object":
      return "object";
    default:
      return def.type;
  }
}

/** Every key of the schema, depth first in the order the schema declares them. */
export function listKeys(schema: Schema): SchemaKey[] {
  const keys: SchemaKey[] = [];
  walkObject(schema, "", keys);
  return keys;
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

function walkObject(schema: Schema, prefix: string, keys: SchemaKey[]): void {
  for (const [name, child] of Object.entries(objectShape(unwrap(schema).core)))
    walkKey(child, join(prefix, name), keys);
}

function walkKey(schema: Schema, path: string, keys: SchemaKey[]): void {
  const u = unwrap(schema);
  const def = defOf(u.core);
  const element = def.type === "array" ? unwrap(def.element as Schema).core : undefined;
  const inner = element ?? u.core;
  const listSuffix = element ? "[]" : "";
  const variants = variantsOf(inner);
  const isObject = defOf(inner).type === "object";
  const container = isObject || variants !== undefined;
  keys.push({
    path,
    type: container ? (element ? "list of objects" : "object") : typeName(schema),
    required: !u.optional && !u.default,
    default: u.default,
    container,
  });
  if (variants) for (const v of variants) walkObject(v.shape, `${path}[${v.label}]`, keys);
  else if (isObject) walkObject(inner, `${path}${listSuffix}`, keys);
}
