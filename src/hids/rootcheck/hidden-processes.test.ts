/**
 * hidden_processes' "missing from the listing" branch (what a hooked readdir or a kernel rootkit does):
 * the check is pointed at a procfs stand-in whose listing leaves out a live sleeper — a folder of symlinks
 * to the real /proc entries of every other process and thread. kill(pid, 0) is the real kernel's answer.
 * (The mount branch, and threads told apart from hidden processes on the real /proc, are in
 * namespaces.test.ts.)
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { checkHiddenProcesses } from "./hidden-processes.js";

const fake = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fakeproc-"));
const sleeper = spawn("sleep", ["300"], { stdio: "ignore" });
after(() => {
  sleeper.kill("SIGKILL");
  fs.rmSync(fake, { recursive: true, force: true });
});

/** Links every /proc/PID and /proc/PID/task/TID into `dir`, except `hide`. */
function standIn(dir: string, hide: number): void {
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === hide) continue;
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${name}/task`);
    } catch {
      continue; // ended meanwhile
    }
    for (const id of [name, ...tasks])
      if (Number(id) !== hide && !fs.existsSync(path.join(dir, id)))
        fs.symlinkSync(`/proc/${id}`, path.join(dir, id));
  }
  fs.mkdirSync(path.join(dir, "self"));
  fs.copyFileSync("/proc/self/mountinfo", path.join(dir, "self/mountinfo"));
}

describe("hidden_processes: missing from the listing", () => {
  it("reports a live PID that the listing leaves out, naming the way to look at it", async () => {
    const pid = sleeper.pid as number;
    standIn(fake, pid);
    const findings = await checkHiddenProcesses({ proc: fake, maxPid: Math.max(pid + 1, 32_768) });
    // other sessions on this machine start processes while the scan runs; only the sleeper is ours to judge
    const mine = findings.filter((f) => f.pid === pid);
    assert.equal(mine.length, 1, JSON.stringify(findings.map((f) => f.title)));
    assert.equal(mine[0].title, `process ${pid} is missing from the ${fake} listing`);
    assert.equal(mine[0].severity, "high");
    assert.match(mine[0].detail, /ld\.so\.preload/);
  });
});
