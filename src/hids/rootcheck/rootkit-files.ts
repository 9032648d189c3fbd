/**
 * rootkit_files: the paths of rootkit-signatures.ts (mamori's own list) that exist under root. lstat, so a
 * dangling symlink planted at a signature path counts too and nothing is followed.
 */
import fs from "node:fs/promises";
import { type CheckFinding, shellQuote, underRoot } from "./finding.js";
import { ROOTKIT_SIGNATURES, type RootkitSignature } from "./rootkit-signatures.js";

export interface RootkitFilesOptions {
  root: string;
  /** default: the list mamori ships */
  signatures?: readonly RootkitSignature[];
}

export async function checkRootkitFiles(o: RootkitFilesOptions): Promise<CheckFinding[]> {
  const findings: CheckFinding[] = [];
  for (const s of o.signatures ?? ROOTKIT_SIGNATURES) {
    const wantsDir = s.path.endsWith("/");
    const sysPath = wantsDir ? s.path.slice(0, -1) : s.path;
    let kind: string;
    try {
      const st = await fs.lstat(underRoot(o.root, sysPath));
      if (wantsDir && !st.isDirectory()) continue;
      kind = st.isDirectory() ? "folder" : st.isSymbolicLink() ? "symlink" : "file";
    } catch {
      continue;
    }
    const q = shellQuote(sysPath);
    findings.push({
      check: "rootkit_files",
      severity: "high",
      title: `${s.rootkit}: ${sysPath} exists`,
      detail:
        `${JSON.stringify(sysPath)} (a ${kind}) is a path the ${s.rootkit} rootkit is known to create. Investigate: ` +
        `\`ls -la ${q}\`, \`stat ${q}\` (when it appeared), \`file ${q}\`, \`dpkg -S ${q}\` or \`rpm -qf ${q}\` ` +
        "(no package should own it); look for the rest of the kit (`mamori rootcheck` other checks, /etc/ld.so.preload, `lsmod`). " +
        "A confirmed hit means reinstalling from known-good media, not cleaning.",
      path: sysPath,
    });
  }
  return findings;
}
