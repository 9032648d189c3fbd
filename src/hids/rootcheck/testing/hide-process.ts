/**
 * Run inside a private mount namespace (`unshare -m --propagation private node --import tsx hide-process.ts`):
 * starts a sleeper, hides it by bind-mounting an empty folder over its /proc/PID (as malware does), runs the
 * hidden_processes check and prints {"pid","visibleToReaddir","findings"} as one JSON line. The mount dies
 * with the namespace; the sleeper is killed before exit.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkHiddenProcesses } from "../hidden-processes.js";

const sleeper = spawn("sleep", ["300"], { stdio: "ignore" });
const pid = sleeper.pid as number;
const empty = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-hide-"));
try {
  execFileSync("mount", ["--bind", empty, `/proc/${pid}`]);
  const visibleToReaddir = fs.readdirSync("/proc").includes(String(pid));
  const findings = await checkHiddenProcesses({ proc: "/proc" });
  process.stdout.write(`${JSON.stringify({ pid, visibleToReaddir, findings })}\n`);
} finally {
  sleeper.kill("SIGKILL");
  try {
    execFileSync("umount", [`/proc/${pid}`]);
  } catch {
    // the namespace ends with this process anyway
  }
  fs.rmSync(empty, { recursive: true, force: true });
}
