/**
 * The text of an agent group's `config:` as written in the server's file, with where it starts, so an
 * agent validating it reports problems at the server file's own line:col.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { isMap, LineCounter, parseDocument } from "yaml";

export interface GroupConfigText {
  /** the server's config file */
  file: string;
  /** the `config:` mapping's lines (indentation kept; anything before it on its first line blanked) */
  text: string;
  /** lines before `text` in the file */
  lineOffset: number;
  /** short hash of the text: the version agents report */
  version: string;
}

export function groupConfigText(file: string, group: string): GroupConfigText | undefined {
  const source = fs.readFileSync(file, "utf8");
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines });
  const groups = doc.get("agent_groups");
  if (!groups || typeof groups !== "object" || !("items" in groups)) return undefined;
  for (const g of (groups as { items: unknown[] }).items) {
    if (!isMap(g) || g.get("name") !== group) continue;
    const node = g.get("config", true) as { range?: [number, number, number] } | undefined;
    if (!node?.range) return undefined;
    const [start, end] = node.range;
    const lineStart = source.lastIndexOf("\n", start - 1) + 1;
    const text = " ".repeat(start - lineStart) + source.slice(start, end);
    const version = createHash("sha256").update(text).digest("hex").slice(0, 12);
    return { file, text, lineOffset: lines.linePos(start).line - 1, version };
  }
  return undefined;
}
