/**
 * docs/config.md: every key of the composed config schema with its type, default, meaning and an example,
 * from the schema itself (schema-walk.ts) and the descriptions in config-keys.ts.
 */
import type { z } from "zod";
import { configKeys, type KeyDoc } from "./config-keys.js";
import { cell, code, GENERATED_NOTE } from "./markdown.js";
import { listKeys, type SchemaKey } from "./schema-walk.js";

/** Keys of the schema without a description, and descriptions of keys the schema does not have. */
export function describedKeyProblems(
  schema: z.ZodType,
  docs: Record<string, KeyDoc> = configKeys,
): { undescribed: string[]; unknown: string[] } {
  const paths = listKeys(schema).map((k) => k.path);
  const known = new Set(paths);
  return {
    undescribed: paths.filter((p) => !docs[p]?.text),
    unknown: Object.keys(docs).filter((p) => !known.has(p)),
  };
}

function yamlValue(value: unknown): string {
  // plain YAML scalars stay bare; anything YAML could read as something else is quoted
  if (typeof value === "string") return /^[\w./][\w./:@-]*$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

function lastName(path: string): string {
  return path.slice(path.lastIndexOf(".") + 1);
}

function defaultCell(key: SchemaKey): string {
  if (key.default) return code(yamlValue(key.default.value));
  return key.required ? "**required**" : "—";
}

function exampleCell(key: SchemaKey, doc: KeyDoc | undefined): string {
  const literal = /^`([^`]+)`$/.exec(key.type)?.[1]; // a variant's `type: file`
  const value =
    doc?.example ?? literal ?? (key.default && !key.container ? yamlValue(key.default.value) : undefined);
  return value === undefined ? "" : code(`${lastName(key.path)}: ${value}`);
}

function table(keys: SchemaKey[], prefix: string, docs: Record<string, KeyDoc>): string[] {
  const rows = keys.map((k) => {
    const doc = docs[k.path];
    const name = k.path.slice(prefix.length);
    return `| ${code(name)} | ${cell(k.type)} | ${cell(defaultCell(k))} | ${cell(doc?.text ?? "")} | ${cell(exampleCell(k, doc))} |`;
  });
  return ["| key | type | default | what it does | example |", "|---|---|---|---|---|", ...rows];
}

/** `sources[type=file].path` → the variant prefix `sources[type=file].`, or undefined. */
function variantPrefix(path: string, top: string): string | undefined {
  const m = new RegExp(`^${top.replace(/[[\]]/g, "\\$&")}(\\[\\w+=[^\\]]+\\])\\.`).exec(path);
  return m ? `${top}${m[1]}.` : undefined;
}

function section(top: SchemaKey, keys: SchemaKey[], docs: Record<string, KeyDoc>): string[] {
  const inner = keys.filter((k) => k.path.startsWith(`${top.path}.`) || k.path.startsWith(`${top.path}[`));
  const listed = top.type === "list of objects" ? `${top.path}[].` : `${top.path}.`;
  const out = [
    `## ${top.path}`,
    "",
    docs[top.path]?.text ?? "",
    "",
    `Type: ${top.type}; default: ${defaultCell(top)}.`,
    "",
  ];
  const plain = inner.filter((k) => variantPrefix(k.path, top.path) === undefined);
  if (plain.length > 0) out.push(...table(plain, listed, docs), "");
  const variants = [
    ...new Set(inner.map((k) => variantPrefix(k.path, top.path)).filter((p) => p !== undefined)),
  ];
  for (const prefix of variants) {
    const label = /\[(\w+)=([^\]]+)\]\.$/.exec(prefix);
    out.push(`### ${top.path}: \`${label?.[1]}: ${label?.[2]}\``, "");
    out.push(
      ...table(
        inner.filter((k) => k.path.startsWith(prefix)),
        prefix,
        docs,
      ),
      "",
    );
  }
  return out;
}

const INTRO = [
  "# mamori.yaml reference",
  "",
  GENERATED_NOTE,
  "",
  "One YAML file (`./mamori.yaml`, or `--config FILE`). Check it with `mamori config check`: every problem is",
  "reported at once as `FILE:LINE:COL: what is wrong and how to fix it` (exit 2). Rules for every key:",
  "",
  "- Unknown keys are errors, so a typo never goes unnoticed.",
  "- `${NAME}` takes a value from the environment, `${NAME:-fallback}` with a fallback; keep secrets there.",
  "- A **duration** is seconds (`600`) or a number with a unit: `10s`, `10m`, `1h`, `1d`, `1w`, also `1h30m`.",
  "- Write absolute paths in the config of a service: it does not depend on the folder mamori starts in.",
  "- A key marked **required** must be given; any other key may be left out and takes its default.",
  "",
  "Ready configs for each scenario are in `examples/`; the scenario pages in this folder explain them.",
  "",
];

/** The whole of docs/config.md. */
export function renderConfigReference(schema: z.ZodType, docs: Record<string, KeyDoc> = configKeys): string {
  const keys = listKeys(schema);
  const tops = keys.filter((k) => !k.path.includes(".") && !k.path.includes("["));
  const scalars = tops.filter((k) => !k.container);
  const containers = tops.filter((k) => k.container);
  const out = [...INTRO, "Sections:", ""];
  out.push("- [Top-level keys](#top-level-keys)");
  for (const c of containers) out.push(`- [${c.path}](#${c.path})`);
  out.push("", "## Top-level keys", "", ...table(scalars, "", docs), "");
  for (const c of containers) out.push(...section(c, keys, docs));
  return `${out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}
