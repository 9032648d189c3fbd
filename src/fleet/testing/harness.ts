/** A fleet server in the test's process: real store, pipeline, CA and TLS on a loopback port. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import type { Clock } from "../../core/clock.js";
import { detectionSink } from "../../pipeline/detections.js";
import { Pipeline } from "../../pipeline/pipeline.js";
import { openSqliteStore, type SqliteStore } from "../../store/sqlite/index.js";
import { serverSchema } from "../config.js";
import { newToken } from "../enroll/token.js";
import { FleetServer } from "../server/server.js";

/** A pino logger whose lines the test can read. */
export function capturedLog() {
  const lines: string[] = [];
  const log = pino({ level: "debug" }, { write: (s: string) => void lines.push(s) });
  return { log, lines, has: (re: RegExp) => lines.some((l) => re.test(l)) };
}

export interface TestServer {
  dir: string;
  server: FleetServer;
  store: SqliteStore;
  pipeline: Pipeline;
  port: number;
  log: ReturnType<typeof capturedLog>;
  /** a token for this server: `address` is what it tells agents to dial */
  token(o?: { group?: string; uses?: number; ttlMs?: number; address?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestServer(o: {
  clock: Clock;
  heartbeat?: string;
  maxRequestBytes?: number;
  jails?: Array<{ name: string; scope: string }>;
  /** the server's config file (agent groups' config is read from it) */
  configFile?: string;
}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fleet-srv-"));
  const log = capturedLog();
  const store = openSqliteStore(dir);
  const pipeline = new Pipeline({ logs: store.logs, log: log.log });
  const config = serverSchema.parse({
    listen: "127.0.0.1:0",
    name: "localhost",
    addresses: ["127.0.0.1"],
    heartbeat: o.heartbeat ?? "10s",
    ...(o.maxRequestBytes ? { max_request_bytes: o.maxRequestBytes } : {}),
  });
  const server = new FleetServer(config, {
    dataDir: dir,
    store,
    pipeline,
    detections: detectionSink({ pipeline, clock: o.clock, stream: () => "server", log: log.log }),
    clock: o.clock,
    log: log.log,
    jails: () => o.jails ?? [],
    hostname: () => "server",
    configFile: () => o.configFile,
  });
  await server.start();
  const port = server.port;
  return {
    dir,
    server,
    store,
    pipeline,
    port,
    log,
    async token(t = {}) {
      const tok = newToken({ server: t.address ?? `localhost:${port}`, ca: server.caFingerprint as string });
      const now = o.clock.now();
      await store.agents.addToken({
        id: tok.id,
        hash: tok.hash,
        group: t.group ?? "default",
        uses: t.uses ?? 1,
        used: 0,
        expiresAt: now + (t.ttlMs ?? 86_400_000),
        createdAt: now,
      });
      return tok.token;
    },
    async close() {
      await server.stop();
      await pipeline.flushed();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
