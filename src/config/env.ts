/**
 * `${NAME}` and `${NAME:-default}` in the config: substituted in string scalars, and remembered, so that
 * (1) a value from the environment is never echoed (problems show `${NAME}`, not a token), and
 * (2) a whole-scalar substitution may stand for a number or a boolean where the schema wants one
 * (`port: ${SMTP_PORT}`): YAML sees a string, the schema a number.
 */
import { type Document, isScalar, type Node, visit } from "yaml";
import type { z } from "zod";
import type { ConfigProblem } from "../core/errors.js";

type Path = readonly (string | number)[];

const REFERENCE = /\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g;
/** shorter values are not looked for in free text (too many false hits, and no secret is that short) */
const MIN_REDACTED_LENGTH = 6;

export class EnvSubstitutions {
  /** each substituted scalar → the text as written in the file ("${INGEST_TOKEN}") */
  private readonly written = new Map<Node, string>();
  /** environment values put into the config, longest first, with the reference that brought each */
  private readonly values: Array<[value: string, reference: string]> = [];

  constructor(private readonly doc: Document) {}

  /** Replaces references in every string scalar; an unset variable without a default is a problem. */
  substitute(
    env: NodeJS.ProcessEnv,
    at: (offset: number, message: string) => ConfigProblem,
  ): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    visit(this.doc, {
      Scalar: (_key, node) => {
        if (typeof node.value !== "string" || !node.value.includes("${")) return;
        const written = node.value;
        node.value = written.replace(REFERENCE, (whole, name: string, fallback?: string) => {
          const v = env[name];
          if (v !== undefined && v !== "") {
            this.values.push([v, whole]);
            return v;
          }
          if (fallback !== undefined) return fallback;
          problems.push(
            at(
              node.range?.[0] ?? 0,
              `environment variable ${name} is not set; export ${name}=... before starting mamori, or write \${${name}:-default}`,
            ),
          );
          return whole;
        });
        if (node.value !== written) this.written.set(node, written);
      },
    });
    this.values.sort((a, b) => b[0].length - a[0].length);
    return problems;
  }

  /** The text as written in the file when the scalar at path came from the environment. */
  writtenAt(p: Path): string | undefined {
    const node = this.doc.getIn(p, true);
    return isScalar(node) ? this.written.get(node) : undefined;
  }

  /** The message with every value taken from the environment shown as its `${NAME}` reference. */
  redact(message: string): string {
    let out = message;
    for (const [value, reference] of this.values)
      if (value.length >= MIN_REDACTED_LENGTH) out = out.split(value).join(reference);
    return out;
  }

  /**
   * Where the schema wanted a number or a boolean and got a string that came from the environment,
   * puts the number/boolean into raw (in place). Returns whether anything changed (then parse again).
   */
  coerce(raw: unknown, issues: readonly z.core.$ZodIssue[]): boolean {
    let changed = false;
    for (const issue of issues) {
      if (issue.code !== "invalid_type") continue;
      const p = issue.path as (string | number)[];
      if (p.length === 0 || this.writtenAt(p) === undefined) continue;
      const parent = valueAt(raw, p.slice(0, -1));
      const key = p[p.length - 1];
      if (!parent || typeof parent !== "object") continue;
      const current = (parent as Record<string | number, unknown>)[key];
      if (typeof current !== "string") continue;
      const typed = typedValue(current, issue.expected);
      if (typed === undefined) continue;
      (parent as Record<string | number, unknown>)[key] = typed;
      changed = true;
    }
    return changed;
  }
}

function typedValue(text: string, expected: string): number | boolean | undefined {
  const t = text.trim();
  if (expected === "boolean") return t === "true" ? true : t === "false" ? false : undefined;
  if (expected === "number" || expected === "int") {
    if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function valueAt(raw: unknown, p: Path): unknown {
  let v = raw;
  for (const seg of p)
    v = v && typeof v === "object" ? (v as Record<string | number, unknown>)[seg] : undefined;
  return v;
}
