/**
 * `npm run bench -- fleet --scenario load [--agents 2000,3000,4000] [--duration 60] [--batch-ms 200]`:
 * N simulated agents (bench/fleet-sim.ts, a separate process) against a real fleet server (`mamori serve
 * --no-http` with a `server:` key, a third process, so /proc shows its own CPU and memory), over mutual
 * TLS 1.3 / HTTP/2 on loopback. Each agent: enrolled for real with one token (`mamori agents token create
 * --uses N`), 10 events/s in sequenced batches, a heartbeat every 10 s. Per agent count: events lost
 * (the server's committed count against what the agents made: must be 0), p50/p99 send → ack (the server
 * acks after the commit) and made → ack, the server's peak RSS (VmHWM), CPU %, peak fds, and the
 * simulator's own CPU (it must not be the bottleneck). Targets at 2,000 agents: no loss, p99 < 1 s,
 * RSS < 1 GB. The counts are raised in order; the run stops after the first count that misses a target.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { repoRoot, runCli, tsxLoader } from "../src/testing/cli.js";
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
import type { SimOptions } from "./fleet-sim.js";

export interface LoadOptions {
  agents: number;
  durationS: number;
  rate: number;
  beatS: number;
  batchMs: number;
  keep: boolean;
  /** write the server's CPU profile (node --cpu-prof) into this folder */
  profile?: string;
}

interface SimResult {
  agents: number;
  closed: number;
  made: number;
  acked: number;
  seconds: number;
  batches: number;
  refused: number;
  errors: number;
  beats: number;
  beatErrors: number;
  maxBatch: number;
  reconnects: number;
  sendP50: number;
  sendP99: number;
  sendMax: number;
  madeP50: number;
  madeP99: number;
  madeMax: number;
  cpuPercent: number;
  rssMb: number;
}

export interface LoadFigures {
  agents: number;
  lost: number;
  duplicated: number;
  committed: number;
  sim: SimResult;
  enrollS: number;
  connectS: number;
  serverCpu: number;
  serverHwmMb: number;
  /** the server's RSS once every agent is connected, before the first batch */
  serverIdleRssMb: number;
  serverFds: number;
  /** how often the server process was found running/runnable, sleeping, in the disk */
  serverStates: string;
  simCpuProc: number;
  load: string;
  problem?: string;
}

function writeServerConfig(dir: string, port: number, beatS: number): string {
  const file = path.join(dir, "server.yaml");
  fs.writeFileSync(
    file,
    [
      `data_dir: ${path.join(dir, "server-data")}`,
      "hostname: fleet-server",
      "server:",
      `  listen: 127.0.0.1:${port}`,
      "  name: localhost",
      "  addresses: [127.0.0.1]",
      `  heartbeat: ${beatS}s`,
      "",
    ].join("\n"),
  );
  return file;
}

/** One run at one agent count; the server and the simulator are separate processes. */
export async function loadOnce(o: LoadOptions): Promise<LoadFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-bench-fleet-load-"));
  const port = await freePort();
  const cfg = writeServerConfig(dir, port, o.beatS);
  const tok = await runCli([
    "agents",
    "token",
    "create",
    "-c",
    cfg,
    "--uses",
    String(o.agents),
    "--group",
    "bench",
  ]);
  if (tok.code !== 0) throw new Error(`agents token create failed: ${tok.stderr}`);
  const serverLog = path.join(dir, "server.log");
  const server = spawnMamori(
    ["serve", "-c", cfg, "--no-http"],
    serverLog,
    [],
    o.profile ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(o.profile)] : [],
  );
  let simPid = 0;
  try {
    await waitForLog(serverLog, /fleet server listening/, 60_000, server);
    const serverWatch = watchProc(server.pid as number);
    const sim: SimOptions = {
      token: tok.stdout.trim(),
      caFile: path.join(dir, "server-data", "fleet", "ca.crt"),
      agents: o.agents,
      durationS: o.durationS,
      rate: o.rate,
      beatS: o.beatS,
      batchMs: o.batchMs,
      concurrency: 32,
      prefix: "sim",
    };
    const child = spawn(
      process.execPath,
      ["--import", tsxLoader, path.join(repoRoot, "bench/fleet-sim.ts"), JSON.stringify(sim)],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] },
    );
    simPid = child.pid as number;
    let enrollS = 0;
    let connectS = 0;
    let idleRss = 0;
    let result: SimResult | undefined;
    let s0 = procSample(server.pid as number);
    let p0 = procSample(simPid);
    let t0 = performance.now();
    let load = loadNow();
    let wall = 0;
    let buf = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      let i = buf.indexOf("\n");
      while (i >= 0) {
        const m = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        i = buf.indexOf("\n");
        if (m.phase === "enrolled") enrollS = m.seconds;
        if (m.phase === "connected") {
          connectS = m.seconds;
          s0 = procSample(server.pid as number);
          idleRss = s0?.rssMb ?? 0;
          serverWatch.reset();
          p0 = procSample(simPid);
          t0 = performance.now();
        }
        if (m.phase === "running" && m.at === 30) load = loadNow();
        if (m.result) result = m.result;
      }
    });
    const s1p1 = await new Promise<{ s1: ReturnType<typeof procSample>; p1: ReturnType<typeof procSample> }>(
      (resolve, reject) => {
        let s1: ReturnType<typeof procSample>;
        let p1: ReturnType<typeof procSample>;
        child.stdout.on("data", () => {
          if (result && !s1) {
            s1 = procSample(server.pid as number);
            p1 = procSample(simPid);
            wall = (performance.now() - t0) / 1000;
          }
        });
        child.once("exit", (code) =>
          result ? resolve({ s1, p1 }) : reject(new Error(`the simulator exited with ${code}`)),
        );
      },
    );
    serverWatch.stop();
    await stopChild(server);
    const store = openSqliteStore(path.join(dir, "server-data"));
    const streams = await store.logs.streams("bench");
    await store.close();
    const committed = streams.reduce((s, x) => s + x.storedEvents, 0);
    const r = result as SimResult;
    return {
      agents: o.agents,
      committed,
      lost: Math.max(0, r.made - committed),
      duplicated: Math.max(0, committed - r.made),
      sim: r,
      enrollS,
      connectS,
      serverCpu: cpuPercent(s0, s1p1.s1, wall),
      serverHwmMb: serverWatch.peak.hwmMb,
      serverIdleRssMb: idleRss,
      serverFds: serverWatch.peak.fds,
      serverStates: serverWatch.states(),
      simCpuProc: cpuPercent(p0, s1p1.p1, wall),
      load,
    };
  } finally {
    await stopChild(server, 5_000);
    if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`kept ${dir}\n`);
  }
}

/** Which target a run misses, or undefined. */
export function missedTarget(f: LoadFigures): string | undefined {
  if (f.lost > 0) return `${f.lost} events lost`;
  if (f.duplicated > 0) return `${f.duplicated} events stored twice`;
  if (f.sim.sendP99 >= 1000) return `p99 send → commit ${f.sim.sendP99} ms ≥ 1 s`;
  if (f.serverHwmMb >= 1024) return `server RSS ${Math.round(f.serverHwmMb)} MB ≥ 1 GB`;
  if (f.serverCpu >= 190) return `server CPU ${Math.round(f.serverCpu)} % (both cores)`;
  if (f.sim.closed > 0) return `${f.sim.closed} agent sessions closed`;
  return undefined;
}

export function printLoad(f: LoadFigures): void {
  const s = f.sim;
  const line = (t: string) => process.stdout.write(`  ${t}\n`);
  process.stdout.write(
    `agents ${f.agents}: ${s.seconds.toFixed(0)} s at ${(s.made / s.seconds / f.agents).toFixed(1)} events/s each (load ${f.load})\n`,
  );
  line(
    `events made ${s.made}, acked ${s.acked}, committed on the server ${f.committed}: lost ${f.lost}, stored twice ${f.duplicated}`,
  );
  line(
    `send → ack (after commit): p50 ${s.sendP50} ms, p99 ${s.sendP99} ms, max ${Math.round(s.sendMax)} ms; made → ack: p50 ${s.madeP50} ms, p99 ${s.madeP99} ms, max ${Math.round(s.madeMax)} ms`,
  );
  line(
    `batches ${s.batches} (${Math.round(s.batches / s.seconds)}/s, largest ${s.maxBatch} events), refused ${s.refused}, errors ${s.errors}, heartbeats ${s.beats} (failed ${s.beatErrors}), sessions closed ${s.closed}, reconnects ${s.reconnects}`,
  );
  line(
    `server: CPU ${f.serverCpu.toFixed(0)} % of one core (${Math.round(((f.serverCpu / 100) * s.seconds * 1e6) / Math.max(1, s.acked))} µs of CPU per event, ${Math.round(((f.serverCpu / 100) * s.seconds * 1e6) / Math.max(1, s.batches))} µs per batch), peak RSS ${Math.round(f.serverHwmMb)} MB (${Math.round(f.serverIdleRssMb)} MB with all agents connected, before the first batch), peak fds ${f.serverFds}; found ${f.serverStates} (R = on or waiting for a core, S = waiting for work, D = disk)`,
  );
  line(
    `simulator: CPU ${f.simCpuProc.toFixed(0)} % of one core, RSS ${Math.round(s.rssMb)} MB; enrollment ${f.enrollS.toFixed(1)} s (${Math.round(f.agents / f.enrollS)}/s), connecting ${f.connectS.toFixed(1)} s`,
  );
  const miss = missedTarget(f);
  line(miss ? `MISSED: ${miss}` : "targets met (no loss, p99 < 1 s, RSS < 1 GB)");
}
