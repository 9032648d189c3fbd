/**
 * `npm run bench -- fleet [--events N] [--batch B]`: agent → server forwarding over the real transport
 * (mutual TLS 1.3, HTTP/2, on loopback). An agent store holding N events (200,000 by default) is drained
 * by the real forwarder into a real fleet server whose pipeline commits each batch with the agent's
 * position in one transaction. Prints events/s, batches/s and the process's peak RSS (agent and server
 * share this process, so it is the sum of both). No peer tool is installed to compare with (OSSEC's
 * agent/manager are not in Debian); the figure is mamori's own, for regressions.
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

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function run(args: string[]): Promise<void> {
  const n = Number(argValue(args, "--events") ?? 200_000);
  const batches = (argValue(args, "--batch") ?? "500,5000").split(",").map(Number);
  for (const batch of batches) await once(n, batch);
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
