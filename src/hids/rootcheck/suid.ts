/**
 * suid: SUID/SGID files under the system paths that the previous run did not see (or saw with other bits
 * or another owner). The first run over a root takes the baseline and reports nothing; every run then
 * replaces it, so a new SUID file is reported once — an admin who installs a package gets one finding, not
 * one per run. The baseline lives in the store (RootcheckStore), keyed by the scanned root.
 */
import type { Stats } from "node:fs";
import type { RootcheckStore, SuidEntry } from "../../store/store.js";
import { type CheckFinding, shellQuote, systemPathOf, underRoot } from "./finding.js";
import { walkTree } from "./walk.js";

export interface SuidOptions {
  root: string;
  /** system paths walked ("/usr", "/bin", ...) */
  paths: readonly string[];
  baseline: RootcheckStore;
  now: number;
  signal?: AbortSignal;
}

const S_ISUID = 0o4000;
const S_ISGID = 0o2000;

/** The pseudo file systems a walk of "/" must not enter. */
export function pseudoTrees(root: string): Set<string> {
  return new Set(["/proc", "/sys", "/dev", "/run"].map((p) => underRoot(root, p)));
}

export interface SuidResult {
  findings: CheckFinding[];
  /** true when this run took the first baseline */
  baselined: boolean;
  files: number;
}

/** Collects the SUID/SGID files a walk visits (a walk may feed several checks: see run.ts). */
export function suidCollector(root: string) {
  const entries = new Map<string, SuidEntry>();
  return {
    entries,
    visit(file: string, st: Stats) {
      if (st.isFile() && st.mode & (S_ISUID | S_ISGID))
        entries.set(systemPathOf(root, file), { mode: st.mode & 0o7777, uid: st.uid });
    },
  };
}

export async function checkSuid(o: SuidOptions): Promise<SuidResult> {
  const collector = suidCollector(o.root);
  await walkTree(
    o.paths.map((p) => underRoot(o.root, p)),
    collector.visit,
    { skip: pseudoTrees(o.root), signal: o.signal },
  );
  return compareSuid(o, collector.entries);
}

/** Reports what differs from the stored baseline, then stores `current` as the new one. */
export async function compareSuid(
  o: Pick<SuidOptions, "root" | "baseline" | "now">,
  current: Map<string, SuidEntry>,
): Promise<SuidResult> {
  const scope = o.root;
  const before = await o.baseline.suidBaseline(scope);
  await o.baseline.putSuidBaseline(scope, current, o.now);
  if (!before) return { findings: [], baselined: true, files: current.size };
  const findings: CheckFinding[] = [];
  for (const [path, e] of [...current].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const old = before.get(path);
    if (old && old.mode === e.mode && old.uid === e.uid) continue;
    findings.push(suidFinding(path, e, old));
  }
  return { findings, baselined: false, files: current.size };
}

function bitsOf(mode: number): string {
  return [mode & S_ISUID ? "SUID" : "", mode & S_ISGID ? "SGID" : ""].filter(Boolean).join("+");
}

function suidFinding(path: string, e: SuidEntry, old: SuidEntry | undefined): CheckFinding {
  const q = shellQuote(path);
  const bits = bitsOf(e.mode);
  const rootSuid = e.uid === 0 && e.mode & S_ISUID;
  const what = old
    ? `changed from mode ${old.mode.toString(8)} uid ${old.uid} to mode ${e.mode.toString(8)} uid ${e.uid}`
    : `is new (mode ${e.mode.toString(8)}, uid ${e.uid})`;
  return {
    check: "suid",
    severity: rootSuid ? "high" : "medium",
    title: `${bits} file ${old ? "changed" : "appeared"}: ${path}`,
    detail:
      `${JSON.stringify(path)} ${what} since the last rootcheck run; a ${bits} binary runs with its owner's rights, ` +
      "the usual way back to root after a break-in. Investigate: " +
      `\`ls -l ${q}\`, \`stat ${q}\` (change time), \`dpkg -S ${q}\` or \`rpm -qf ${q}\` and \`dpkg --verify\`/\`rpm -V\` ` +
      `for the owning package (an upgrade explains it), \`sha256sum ${q}\` against a known-good host. ` +
      "Reported once: the next run takes it as known.",
    path,
  };
}
