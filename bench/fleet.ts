/**
 * `npm run bench -- fleet [--scenario load,bans,agent-cost,drain] [options]`: the fleet's figures
 * (issue #16's Performance section). Scenarios:
 * - `load` (bench/fleet-load.ts): 2,000 simulated agents in a separate process against a real fleet server
 *   process; `--agents 2000,3000,4000` raises the count until a target is missed; `--duration 60`,
 *   `--batch-ms 200`, `--keep-going`, `--keep` (the temp dir), `--profile DIR` (the server's CPU profile).
 *   Short check: `--scenario load --duration 10 --agents 200`.
 * - `bans` (bench/fleet-bans.ts): a server decision → the element in another agent's nftables set, in
 *   network namespaces (root); `--bans 100`.
 * - `agent-cost` (bench/fleet-agent-cost.ts): a real `mamori agent run` tailing a file written at
 *   100 lines/s: its CPU % and RSS; `--duration 60`, `--lines-per-s 100`.
 * - `drain` (below): one agent store of N events (`--events`, 200,000) drained by the real forwarder into
 *   an in-process server (`--batch 500,5000`): events/s and batches/s, for regressions.
 * No peer tool is installed to compare with (OSSEC's and Wazuh's agent and manager are not in Debian);
 * the figures are mamori's own, and the machine is shared: read them with the load average printed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { systemClock } from "../src/core/clock.js";
import { enrollAgent } from "../src/fleet/agent/enroll.js";
import { AgentForwarder } from "../src/fleet/agent/forwarder.js";
import { agentSchema, serverSchema } from "../src/fleet/config.js";
import { newToken } from "../src/fleet/enroll/token.js";
import { FleetServer } from "../src/fleet/server/server.js";
import { detectionSink } from "../src/pipeline/detections.js";
import { Pipeline } from "../src/pipeline/pipeline.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { loadOnce, missedTarget, printLoad } from "./fleet-load.js";

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function run(args: string[]): Promise<void> {
  const scenarios = (argValue(args, "--scenario") ?? "load,bans,agent-cost,drain").split(",");
  const known = ["load", "bans", "agent-cost", "drain"];
  const unknown = scenarios.filter((s) => !known.includes(s));
  if (unknown.length) {
    process.stderr.write(`unknown fleet scenario ${unknown.join(", ")}; known: ${known.join(", ")}\n`);
    process.exitCode = 2;
    return;
  }
  const duration = Number(argValue(args, "--duration") ?? 60);
  for (const s of scenarios) {
    process.stdout.write(`-- fleet ${s}\n`);
    if (s === "load") await runLoad(args, duration);
    if (s === "bans")
      await (await import("./fleet-bans.js")).runBans(Number(argValue(args, "--bans") ?? 100));
    if (s === "agent-cost")
      await (await import("./fleet-agent-cost.js")).runAgentCost({
        durationS: duration,
        linesPerS: Number(argValue(args, "--lines-per-s") ?? 100),
      });
    if (s === "drain") {
      const n = Number(argValue(args, "--events") ?? 200_000);
      const batches = (argValue(args, "--batch") ?? "500,5000").split(",").map(Number);
      for (const batch of batches) await once(n, batch);
    }
  }
}

/**
 * The load scenario at each agent count in turn, stopping after the first that misses a target
 * (`--keep-going` runs every count, to see what gives next).
 */
async function runLoad(args: string[], durationS: number): Promise<void> {
  const counts = (argValue(args, "--agents") ?? "2000").split(",").map(Number);
  for (const agents of counts) {
    const f = await loadOnce({
      agents,
      durationS,
      rate: Number(argValue(args, "--rate") ?? 10),
      beatS: Number(argValue(args, "--beat") ?? 10),
      batchMs: Number(argValue(args, "--batch-ms") ?? 200),
      keep: args.includes("--keep"),
      profile: argValue(args, "--profile"),
    });
    printLoad(f);
    if (missedTarget(f) && !args.includes("--keep-going")) break;
  }
}

async function once(n: number, batchSize: number): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-bench-fleet-"));
  const log = pino({ level: "silent" });
  const store = openSqliteStore(path.join(tmp, "server"));
  const pipeline = new Pipeline({ logs: store.logs, log });
  const server = new FleetServer(
    serverSchema.parse({
      listen: "127.0.0.1:0",
      name: "localhost",
      heartbeat: "10s",
      max_request_bytes: 64 * 1024 * 1024,
    }),
    {
      dataDir: path.join(tmp, "server"),
      store,
      pipeline,
      detections: detectionSink({ pipeline, clock: systemClock, stream: () => "server", log }),
      clock: systemClock,
      log,
    },
  );
  await server.start();
  const tok = newToken({ server: `localhost:${server.port}`, ca: server.caFingerprint as string });
  const now = systemClock.now();
  await store.agents.addToken({
    id: tok.id,
    hash: tok.hash,
    group: "bench",
    uses: 1,
    used: 0,
    expiresAt: now + 3_600_000,
    createdAt: now,
  });
  const agentDir = path.join(tmp, "agent");
  const e = await enrollAgent({ token: tok.token, name: "bench-1", dataDir: agentDir });
  const agentStore = openSqliteStore(agentDir);
  const line =
    "Dec  2 19:09:01 web-1 sshd[4242]: Failed password for invalid user admin from 203.0.113.7 port 52144 ssh2";
  for (let i = 0; i < n; i += 10_000) {
    const events = Array.from({ length: Math.min(10_000, n - i) }, () => ({
      group: "auth",
      stream: "local",
      timestamp: now,
      ingestTime: now,
      message: line,
    }));
    await agentStore.logs.ingest({ events, checkpoints: [], metricPoints: [] });
  }
  const fwd = new AgentForwarder(
    agentSchema.parse({
      server: `localhost:${server.port}`,
      id: e.id,
      name: "bench-1",
      ca_fingerprint: server.caFingerprint,
      batch_size: batchSize,
    }),
    { dataDir: agentDir, logs: agentStore.logs, clock: systemClock, log, version: "bench" },
  );
  let peakRss = process.memoryUsage.rss();
  const t0 = performance.now();
  await fwd.start();
  for (;;) {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const stored = (await store.logs.streams("auth").catch(() => []))[0]?.storedEvents ?? 0;
    if (stored >= n) break;
    await new Promise((r) => setImmediate(r));
    await systemClock.sleep(20);
  }
  const s = (performance.now() - t0) / 1000;
  await fwd.stop();
  await server.stop();
  await pipeline.flushed();
  await agentStore.close();
  await store.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(
    `batch ${batchSize}: ${n} events in ${s.toFixed(2)} s = ${Math.round(n / s).toLocaleString("en")} events/s, ${Math.round(fwd.counters.batches / s)} batches/s, peak RSS ${Math.round(peakRss / 1048576)} MB (agent + server in one process)\n`,
  );
}
