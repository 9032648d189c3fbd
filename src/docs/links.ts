/**
 * Link checks for the user's documentation (README.md, docs/): every link stays inside the repository
 * and points at a file that exists (and, for `#anchor`, at a heading that exists), because a user who
 * clones mamori has the repository and nothing else.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

export interface LinkProblem {
  file: string;
  line: number;
  link: string;
  problem: string;
}

/** Text with code blocks and code spans blanked out (same length, same line numbers). */
function withoutCode(text: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, " ");
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, blank).replace(/`+[^`\n]*`+/g, blank);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1])));
}

/** The links of one Markdown file that leave the repository or lead nowhere. */
export function linkProblems(file: string, repoRoot: string): LinkProblem[] {
  const text = withoutCode(readFileSync(file, "utf8"));
  const problems: LinkProblem[] = [];
  const lineOf = (index: number) => text.slice(0, index).split("\n").length;
  const rel = path.relative(repoRoot, file);
  for (const m of text.matchAll(
    /\]\(([^)\s]*)[^)]*\)|<((?:https?|mailto|ftp):[^>]*)>|\b((?:https?|ftp):\/\/\S+)/g,
  )) {
    const link = m[1] ?? m[2] ?? m[3];
    const at = { file: rel, line: lineOf(m.index ?? 0), link };
    if (m[1] === undefined || /^[a-z][a-z0-9+.-]*:/i.test(link)) {
      problems.push({
        ...at,
        problem: "points outside the repository; link a file of the repository instead",
      });
      continue;
    }
    const [target, anchor] = link.split("#", 2);
    if (target.startsWith("/")) {
      problems.push({ ...at, problem: "absolute path; use a path relative to this file" });
      continue;
    }
    const resolved = target === "" ? file : path.resolve(path.dirname(file), decodeURIComponent(target));
    if (path.relative(repoRoot, resolved).startsWith("..")) {
      problems.push({ ...at, problem: "leaves the repository" });
    } else if (!existsSync(resolved)) {
      problems.push({ ...at, problem: `${path.relative(repoRoot, resolved)} does not exist` });
    } else if (
      anchor &&
      resolved.endsWith(".md") &&
      statSync(resolved).isFile() &&
      !anchorsOf(resolved).has(anchor)
    ) {
      problems.push({ ...at, problem: `no heading #${anchor} in ${path.relative(repoRoot, resolved)}` });
    }
  }
  return problems;
}
