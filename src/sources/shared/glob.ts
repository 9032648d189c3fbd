/**
 * Path globs for sources that watch a tree of files (`/var/log/vpc/**\/*.log.gz`): `*` and `?` within one
 * path segment, `[abc]` / `[!abc]` classes, `**` for any number of directories, `{a,b}` alternatives.
 * Node 20 has no fs.glob, hence this small matcher. Directory symlinks are not followed (no loops).
 * Every other entry that matches is listed (symlinks, FIFOs, sockets too): whether it may be read is
 * decided when it is opened (open-file.ts), so a refusal is reported instead of passed over silently.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

const GLOB_CHARS = /[*?[{]/;

export function hasGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/** Compiles a glob over whole absolute paths into a RegExp. */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  let inGroup = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*" && pattern[i + 1] === "*") {
      const slashAfter = pattern[i + 2] === "/";
      const atSegmentStart = i === 0 || pattern[i - 1] === "/";
      if (atSegmentStart && slashAfter) {
        re += "(?:[^/]*/)*"; // "**/": zero or more whole directories
        i += 2;
      } else {
        re += ".*";
        i += 1;
      }
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) re += "\\[";
      else {
        let body = pattern.slice(i + 1, close);
        if (body.startsWith("!")) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else if (c === "{") {
      inGroup++;
      re += "(?:";
    } else if (c === "}" && inGroup > 0) {
      inGroup--;
      re += ")";
    } else if (c === "," && inGroup > 0) re += "|";
    else re += c.replace(/[.+^$()|\\\]{}]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** The directory to start walking from: the pattern's leading segments without glob characters. */
export function globBase(pattern: string): string {
  const segments = pattern.split("/");
  const fixed: string[] = [];
  for (const s of segments.slice(0, -1)) {
    if (hasGlob(s)) break;
    fixed.push(s);
  }
  return fixed.join("/") || (pattern.startsWith("/") ? "/" : ".");
}

/**
 * The directory a found file was matched under: the fixed part of the first pattern that matches it
 * (a plain path's folder). Symlinks may not lead out of it (open-file.ts).
 */
export function watchedRoot(file: string, patterns: readonly string[]): string {
  for (const raw of patterns) {
    const pattern = path.resolve(raw);
    if (hasGlob(pattern) ? globToRegExp(pattern).test(file) : pattern === file) {
      return hasGlob(pattern) ? globBase(pattern) : path.dirname(pattern);
    }
  }
  return path.dirname(file);
}

/**
 * Entries matching any of the patterns that are not directories (absolute paths, sorted). A pattern
 * without glob characters is a plain path. Unreadable directories are skipped (reported through onError).
 */
export async function expandGlobs(
  patterns: readonly string[],
  onError: (dir: string, err: unknown) => void = () => {},
): Promise<string[]> {
  const found = new Set<string>();
  for (const raw of patterns) {
    const pattern = path.resolve(raw);
    if (!hasGlob(pattern)) {
      if (await isListed(pattern)) found.add(pattern);
      continue;
    }
    const re = globToRegExp(pattern);
    const base = globBase(pattern);
    // without "**" the walk stops at the pattern's depth
    const maxDepth = pattern.includes("**")
      ? Number.POSITIVE_INFINITY
      : pattern.split("/").length - base.split("/").length;
    await walk(base, 1, maxDepth, re, found, onError);
  }
  return [...found].sort();
}

async function walk(
  dir: string,
  depth: number,
  maxDepth: number,
  re: RegExp,
  found: Set<string>,
  onError: (dir: string, err: unknown) => void,
): Promise<void> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") onError(dir, err);
    return;
  }
  for (const e of entries) {
    const full = dir === "/" ? `/${e.name}` : `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (depth < maxDepth) await walk(full, depth + 1, maxDepth, re, found, onError);
    } else if (re.test(full) && (!e.isSymbolicLink() || (await isListed(full)))) {
      found.add(full);
    }
  }
}

/** Exists and is not a directory (a symlink: points at something that is not a directory). */
async function isListed(p: string): Promise<boolean> {
  try {
    return !(await stat(p)).isDirectory();
  } catch {
    return false; // gone, or a dangling symlink
  }
}
