/**
 * The import graph of src/, read from the source text (static imports, re-exports and import() with a
 * literal), for the architecture test and `node --import tsx src/testing/imports.ts` (which prints
 * which folder imports which).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const srcRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface ModuleImport {
  /** the specifier as written */
  spec: string;
  /** the imported module relative to the repository root ("src/core/clock.ts"), for relative specifiers */
  target?: string;
  typeOnly: boolean;
  /** import("..."): loaded when that code runs, not with the module */
  dynamic: boolean;
  line: number;
}

export interface SrcModule {
  /** relative to the repository root: "src/jails/jail.ts" */
  file: string;
  text: string;
  imports: ModuleImport[];
  /** a test file or a test-support module (under a testing/ folder) */
  isTest: boolean;
}

const IMPORT_RE =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,$]*?\s+from\s+)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** Every import of a module's text, resolved against its file. */
export function importsOf(file: string, text: string): ModuleImport[] {
  const out: ModuleImport[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "));
  for (const m of code.matchAll(IMPORT_RE)) {
    const spec = m[3] ?? m[4];
    const line = code.slice(0, m.index + (m[0].startsWith("\n") ? 1 : 0)).split("\n").length;
    const typeOnly = Boolean(m[2]) || /^\s*\n?\s*(import|export)\s+type\s/.test(m[0]);
    let target: string | undefined;
    if (spec.startsWith(".")) {
      const abs = path.posix.join(path.posix.dirname(file), spec);
      target = abs.replace(/\.js$/, ".ts");
    }
    out.push({ spec, target, typeOnly, dynamic: m[4] !== undefined, line });
  }
  return out;
}

function walk(dir: string, rel: string, out: string[]): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory()) walk(path.join(dir, e.name), r, out);
    else if (e.name.endsWith(".ts") || e.name.endsWith(".tsx")) out.push(r);
  }
}

/** Every .ts (and the UI's .tsx) module under src/ with its imports. */
export function readSrc(root = srcRoot): SrcModule[] {
  const files: string[] = [];
  walk(root, "src", files);
  return files.sort().map((file) => {
    const text = fs.readFileSync(path.join(root, "..", file), "utf8");
    return {
      file,
      text,
      imports: importsOf(file, text),
      isTest: file.endsWith(".test.ts") || /(^|\/)testing\//.test(file),
    };
  });
}

/** "src/sources/file/source.ts" → "sources"; top-level files ("src/daemon.ts") → "daemon.ts". */
export function folderOf(file: string): string {
  return file.split("/")[1];
}

/** Which folder imports which (non-test modules only), as sorted lines "from → to, to". */
export function folderPicture(modules: SrcModule[]): string[] {
  const edges = new Map<string, Set<string>>();
  for (const m of modules) {
    if (m.isTest) continue;
    const from = folderOf(m.file);
    for (const i of m.imports) {
      if (!i.target?.startsWith("src/")) continue;
      const to = folderOf(i.target);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)?.add(to);
    }
  }
  return [...edges.keys()]
    .sort()
    .map((from) => `${from} → ${[...(edges.get(from) ?? [])].sort().join(", ")}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]))
  process.stdout.write(`${folderPicture(readSrc()).join("\n")}\n`);
