/**
 * Resolves every path of a validated config once, relative to the config file's folder: the values
 * whose schema is marked with core's `pathString` (source paths and globs, TLS files, filter_dirs, a
 * jail's filter file, hosts_deny, url_file, data_dir, fail2ban.path). Components then only see
 * absolute paths and never ask where the config came from.
 */
import path from "node:path";
import type { z } from "zod";
import { configPaths } from "../core/config.js";
import { def, pickUnion, unwrap } from "./issues.js";
import { configSchema, type MamoriConfig } from "./schema.js";

type AnySchema = z.core.$ZodType;

/** A new config with every marked path made absolute against baseDir (the input is left as it is). */
export function resolveConfigPaths(config: MamoriConfig, baseDir: string): MamoriConfig {
  return resolveIn(configSchema, config, path.resolve(baseDir)) as MamoriConfig;
}

function resolveIn(schema: AnySchema, value: unknown, baseDir: string): unknown {
  if (value === undefined || value === null) return value;
  const s = unwrapAll(schema);
  if (configPaths.has(s)) {
    const isPath = configPaths.get(s)?.isPath;
    if (typeof value !== "string" || (isPath && !isPath(value))) return value;
    return path.resolve(baseDir, value);
  }
  const d = def(s);
  if (d.type === "union" && d.options) {
    const picked = pickUnion(s, value);
    if (picked !== s) return resolveIn(picked, value, baseDir);
    // a union without a discriminator (one path or a list of paths): the option of the value's shape
    const option = d.options.find((o) => shapeOf(unwrapAll(o)) === shapeOfValue(value));
    return option ? resolveIn(option, value, baseDir) : value;
  }
  if (d.type === "array" && d.element && Array.isArray(value)) {
    const element = d.element;
    return value.map((v) => resolveIn(element, v, baseDir));
  }
  if (d.type === "object" && d.shape && typeof value === "object" && !Array.isArray(value)) {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [key, child] of Object.entries(d.shape))
      if (key in out) out[key] = resolveIn(child, out[key], baseDir);
    return out;
  }
  return value;
}

/** Below optional/default/pipe layers; a marked schema is returned as soon as it is reached. */
function unwrapAll(s: AnySchema): AnySchema {
  for (;;) {
    if (configPaths.has(s)) return s;
    const next = unwrap(s, true);
    if (next === s) return s;
    s = next;
  }
}

function shapeOf(s: AnySchema): string {
  const t = def(s).type;
  return t === "array" ? "array" : t === "object" ? "object" : t === "string" ? "string" : t;
}

function shapeOfValue(v: unknown): string {
  return Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v;
}
