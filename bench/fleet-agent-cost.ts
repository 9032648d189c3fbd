/**
 * `npm run bench -- fleet --scenario agent-cost [--duration 60] [--lines-per-s 100]`: what a real agent
 * costs its host. A fleet server (`mamori serve --no-http`) and one agent (`mamori agent enroll`, then
 * `mamori agent run`), both real processes on loopback; the agent tails a file the bench appends
 * sshd-like lines to (10 every 100 ms), forwards them, and the bench reads the agent process's CPU time
 * and RSS from /proc over the steady window. The server's count of the lines is checked too.
 * Wazuh's agent is what people compare with; it is not installed here, so no figure of its own is given.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { runCli } from "../src/testing/cli.js";
import {
  cpuPercent,
  freePort,
  loadNow,
  procSample,
  spawnMamori,
  stopChild,
  waitForLog,
  watchProc,
} from "./fleet-proc.js";

function sshdLine(i: number): string {
  const d = new Date();
  const stamp = `${d.toLocaleString("en-US", { month: "short", timeZone: "UTC" })} ${String(d.getUTCDate()).padStart(2, " ")} ${d.toISOString().slice(11, 19)}`;
  return `${stamp} web-1 sshd[${4000 + (i % 1000)}]: Failed password for invalid user admin from 203.0.113.${i % 250} port ${30000 + (i % 30000)} ssh2 n=${i}\n`;
}

export async function runAgentCost(o: { durationS: number; linesPerS: number }): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-bench-fleet-agent-"));
  const port = await freePort();
  const cfg = path.join(dir, "server.yaml");
  fs.writeFileSync(
    cfg,
    `data_dir: ${path.join(dir, "server-data")}\nhostname: fleet-server\nserver:\n  listen: 127.0.0.1:${port}\n  name: localhost\n  addresses: [127.0.0.1]\n`,
  );
  const tok = await runCli(["agents", "token", "create", "-c", cfg]);
  if (tok.code !== 0) throw new Error(`agents token create failed: ${tok.stderr}`);
  const serverLog = path.join(dir, "server.log");
  const agentLog = path.join(dir, "agent.log");
  const server = spawnMamori(["serve", "-c", cfg, "--no-http"], serverLog);
  let agent: ReturnType<typeof spawnMamori> | undefined;
  try {
    await waitForLog(serverLog, /fleet server listening/, 60_000, server);
    const agentDir = path.join(dir, "agent");
    const e = await runCli([
      "agent",
      "enroll",
      "--token",
      tok.stdout.trim(),
      "--name",
      "cost-1",
      "--data-dir",
      agentDir,
    ]);
    if (e.code !== 0) throw new Error(`agent enroll failed: ${e.stderr}`);
    const authLog = path.join(dir, "auth.log");
    fs.writeFileSync(authLog, "");
    const agentCfg = path.join(agentDir, "agent.yaml");
    fs.writeFileSync(
      agentCfg,
      fs
        .readFileSync(agentCfg, "utf8")
        .replace("sources: []", `sources: [{ type: file, path: ${authLog}, group: auth }]`),
    );
    agent = spawnMamori(["agent", "run", "--data-dir", agentDir], agentLog);
    await waitForLog(agentLog, /fleet agent: connected/, 60_000, agent);
    const pid = agent.pid as number;
    // a few seconds of writing before the window opens: start-up (tsx compiling, the store opening) is not
    // what the agent costs in the steady state
    const warmS = 5;
    const watch = watchProc(pid);
    let written = 0;
    const t0 = performance.now();
    let s0: ReturnType<typeof procSample>;
    let w0 = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = (performance.now() - t0) / 1000;
        const due = Math.floor(elapsed * o.linesPerS);
        let chunk = "";
        while (written < due) chunk += sshdLine(written++);
        if (chunk) fs.appendFileSync(authLog, chunk);
        if (!s0 && elapsed >= warmS) {
          s0 = procSample(pid);
          w0 = performance.now();
        }
        if (elapsed >= warmS + o.durationS) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
    });
    const s1 = procSample(pid);
    const wall = (performance.now() - w0) / 1000;
    const load = loadNow();
    watch.stop();
    // everything written should reach the server
    const until = performance.now() + 30_000;
    let stored = 0;
    while (performance.now() < until) {
      const store = openSqliteStore(path.join(dir, "server-data"));
      stored = (await store.logs.streams("auth")).reduce((s, x) => s + x.storedEvents, 0);
      await store.close();
      if (stored >= written) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    process.stdout.write(
      `agent at ${o.linesPerS} lines/s for ${wall.toFixed(0)} s (load ${load}): CPU ${cpuPercent(s0, s1, wall).toFixed(1)} % of one core, RSS ${Math.round(s1?.rssMb ?? 0)} MB (peak ${Math.round(watch.peak.hwmMb)} MB), fds ${s1?.fds}; lines written ${written}, on the server ${stored}\n` +
        "  (the agent is `node --import tsx` from source: its RSS includes the TypeScript loader; Wazuh's agent is not installed here to measure side by side)\n",
    );
  } finally {
    if (agent) await stopChild(agent, 10_000);
    await stopChild(server, 10_000);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
