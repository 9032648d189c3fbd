/**
 * hidden_processes: a PID the kernel says exists (kill(pid, 0) succeeds or is refused with EPERM) that
 * cannot be read as a process — absent from the /proc listing (a hooked readdir, an LKM rootkit) or with
 * its /proc/PID covered by a mount (a bind mount of an empty folder makes ps, top and pgrep skip it).
 * Threads answer kill() too and are not listed in /proc; their /proc/TID/status names another Tgid.
 * A candidate is checked twice, so a process that started or ended during the scan is not reported.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { type CheckFinding, yieldToEventLoop } from "./finding.js";

export interface HiddenProcessOptions {
  /** the procfs to compare with (default /proc) */
  proc: string;
  /** highest PID probed; default the kernel's pid_max */
  maxPid?: number;
  /** kill(pid, 0); replaceable only to count calls */
  probe?: (pid: number) => boolean;
  signal?: AbortSignal;
}

const SLICE = 4096;

/** kill(pid, 0): true when a process (or thread) with that id exists, ours to signal or not. */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readPidMax(proc: string): Promise<number> {
  try {
    const n = Number((await fs.readFile(path.join(proc, "sys/kernel/pid_max"), "utf8")).trim());
    if (Number.isInteger(n) && n > 0) return n;
  } catch {
    // not Linux-like: fall back to the classic limit
  }
  return 32_768;
}

async function listedPids(proc: string): Promise<Set<number>> {
  const out = new Set<number>();
  for (const name of await fs.readdir(proc)) if (/^\d+$/.test(name)) out.add(Number(name));
  return out;
}

/** The mount points of this process's view of the form PROC/PID: the PIDs whose /proc entry is covered. */
async function coveredPids(proc: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  let text: string;
  try {
    text = await fs.readFile(path.join(proc, "self/mountinfo"), "utf8");
  } catch {
    return out;
  }
  const prefix = path.resolve(proc);
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    if (fields.length < 5) continue;
    const mountPoint = unescapeMountinfo(fields[4]);
    const source = unescapeMountinfo(fields[3]);
    const m = /^(\d+)$/.exec(path.relative(prefix, mountPoint));
    if (m) out.set(Number(m[1]), source);
  }
  return out;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** The Tgid of /proc/PID/status, or undefined when it cannot be read (gone, or covered). */
async function tgidOf(proc: string, pid: number): Promise<number | undefined> {
  try {
    const status = await fs.readFile(path.join(proc, String(pid), "status"), "utf8");
    const m = /^Tgid:\s*(\d+)/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function commOf(proc: string, pid: number): Promise<string | undefined> {
  try {
    return (await fs.readFile(path.join(proc, String(pid), "comm"), "utf8")).trim();
  } catch {
    return undefined;
  }
}

type Hidden = { pid: number; how: "covered"; source: string } | { pid: number; how: "unlisted" };

async function findCandidates(
  o: HiddenProcessOptions,
  maxPid: number,
  probe: (pid: number) => boolean,
): Promise<Hidden[]> {
  const listed = await listedPids(o.proc);
  const covered = await coveredPids(o.proc);
  const out: Hidden[] = [];
  for (let pid = 1; pid <= maxPid; pid++) {
    if (pid % SLICE === 0) await yieldToEventLoop(o.signal);
    if (pid === process.pid || !probe(pid)) continue;
    const source = covered.get(pid);
    if (source !== undefined) out.push({ pid, how: "covered", source });
    else if (!listed.has(pid)) out.push({ pid, how: "unlisted" });
  }
  // a process started after the listing was read is listed now; a thread names another Tgid
  const listedNow = await listedPids(o.proc);
  const confirmed: Hidden[] = [];
  for (const h of out) {
    if (!probe(h.pid)) continue;
    if (h.how === "unlisted") {
      if (listedNow.has(h.pid)) continue;
      const tgid = await tgidOf(o.proc, h.pid);
      if (tgid !== undefined && tgid !== h.pid) continue;
      if (tgid === undefined && !probe(h.pid)) continue; // a thread that ended while we looked
    }
    confirmed.push(h);
  }
  return confirmed;
}

export async function checkHiddenProcesses(o: HiddenProcessOptions): Promise<CheckFinding[]> {
  const maxPid = o.maxPid ?? (await readPidMax(o.proc));
  const probe = o.probe ?? pidExists;
  const hidden = await findCandidates(o, maxPid, probe);
  const findings: CheckFinding[] = [];
  for (const h of hidden) {
    const procDir = path.join(o.proc, String(h.pid));
    if (h.how === "covered") {
      findings.push({
        check: "hidden_processes",
        severity: "high",
        title: `process ${h.pid} is hidden by a mount over ${procDir}`,
        detail:
          `PID ${h.pid} exists (kill -0 succeeds) but ${procDir} is covered by a mount of ${JSON.stringify(h.source)}, ` +
          `so ps, top and pgrep do not show it. Investigate: \`grep ' ${procDir} ' /proc/self/mountinfo\`; ` +
          `see the process with \`umount ${procDir}\` (or from another mount namespace: \`nsenter -t 1 -m ls -l ${procDir}/exe\`), ` +
          `then \`cat ${procDir}/cmdline\`, \`ls -l ${procDir}/exe ${procDir}/cwd\` and \`ls -l ${procDir}/fd\`. ` +
          "Nothing legitimate hides a process this way: treat the host as compromised until explained.",
        path: procDir,
        pid: h.pid,
      });
    } else {
      const comm = await commOf(o.proc, h.pid);
      findings.push({
        check: "hidden_processes",
        severity: "high",
        title: `process ${h.pid} is missing from the ${o.proc} listing`,
        detail:
          `PID ${h.pid}${comm ? ` (${JSON.stringify(comm)})` : ""} exists (kill -0 succeeds) and is not a thread, but ` +
          `\`ls ${o.proc}\` does not list it: something filters directory listings (an LD_PRELOAD library — ` +
          "check /etc/ld.so.preload — or a kernel module; compare `lsmod` with a known-good list). " +
          `Investigate: \`cat ${procDir}/status ${procDir}/cmdline\`, \`ls -l ${procDir}/exe\`; ` +
          "look from a trusted boot medium if the kernel itself may be hooked.",
        path: procDir,
        pid: h.pid,
      });
    }
  }
  return findings;
}
