/**
 * world_writable: root-owned files anyone may write under the system paths — a script or library there is
 * a way for any local user to become root. Folders count unless sticky (/tmp-like folders are meant to be
 * shared); symlinks are always 0777 and never count.
 */
import type { Stats } from "node:fs";
import { type CheckFinding, shellQuote, systemPathOf, underRoot } from "./finding.js";
import { pseudoTrees } from "./suid.js";
import { walkTree } from "./walk.js";

export interface WorldWritableOptions {
  root: string;
  paths: readonly string[];
  /** report at most this many (one more finding says how many were left out) */
  maxFindings?: number;
  signal?: AbortSignal;
}

const S_IWOTH = 0o002;
const S_ISVTX = 0o1000;

export async function checkWorldWritable(o: WorldWritableOptions): Promise<CheckFinding[]> {
  const collector = worldWritableCollector(o.root, o.maxFindings);
  await walkTree(
    o.paths.map((p) => underRoot(o.root, p)),
    collector.visit,
    { skip: pseudoTrees(o.root), signal: o.signal },
  );
  return collector.findings();
}

/** Collects the findings of a walk (a walk may feed several checks: see run.ts). */
export function worldWritableCollector(root: string, maxFindings = 200) {
  const max = maxFindings;
  const findings: CheckFinding[] = [];
  let over = 0;
  return {
    visit(file: string, st: Stats) {
      if (st.uid !== 0 || !(st.mode & S_IWOTH)) return;
      if (!st.isFile() && !(st.isDirectory() && !(st.mode & S_ISVTX))) return;
      if (findings.length >= max) {
        over++;
        return;
      }
      findings.push(wwFinding(systemPathOf(root, file), st));
    },
    findings: () => (over > 0 ? [...findings, overflowFinding(over, max)] : findings),
  };
}

function overflowFinding(over: number, max: number): CheckFinding {
  return {
    check: "world_writable",
    severity: "medium",
    title: `${over} more root-owned world-writable files not listed`,
    detail: `Only the first ${max} are reported one by one. List them all with \`find / -xdev -uid 0 -perm -0002 \\( -type f -o -type d ! -perm -1000 \\)\`.`,
  };
}

function wwFinding(path: string, st: Stats): CheckFinding {
  const q = shellQuote(path);
  const dir = st.isDirectory();
  const executable = !dir && (st.mode & 0o111) !== 0;
  return {
    check: "world_writable",
    severity: executable ? "high" : "medium",
    title: `root-owned ${dir ? "folder" : "file"} is world-writable: ${path}`,
    detail:
      `${JSON.stringify(path)} is owned by root with mode ${(st.mode & 0o7777).toString(8)}: any local user can ` +
      `${dir ? "add or replace files in it" : "change it"}${executable ? ", and root may run it" : ""}. Investigate: ` +
      `\`ls -ld ${q}\`, \`stat ${q}\` (when it changed), \`dpkg -S ${q}\` for the package that ships it ` +
      `(\`dpkg --verify\` shows a changed mode); fix with \`chmod o-w ${q}\` once explained.`,
    path,
  };
}
