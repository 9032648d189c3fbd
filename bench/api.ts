/**
 * `npm run bench -- api [--events N]`: the web API's log search and live stream.
 *
 * - Search: N events (default 1,000,000) per group in the real SQLite store — a generated auth.log in
 *   `auth`, CloudTrail records (JSON) in `cloudtrail` — then 50 first-page queries (limit 100) per
 *   pattern over real HTTP, p50/p99. Side by side: `grep -m 100` / `jq | head -100` over the same lines
 *   as files (what people run on a box without a UI). Target: first page p99 < 200 ms.
 * - SSE: 100 viewers on GET /api/v1/stream; a ban event committed through the pipeline, timed until the
 *   100th viewer has it, 50 times; p50/p99. Target p99 < 100 ms.
 * Ingest time is printed too (the cost the search adds to ingest is none: no extra index).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createAdaptorServer } from "@hono/node-server";
import pino from "pino";
import { buildApiApp } from "../src/api/app.js";
import { newApiToken, sha256 } from "../src/api/secrets.js";
import { configSchema } from "../src/config/schema.js";
import { systemClock } from "../src/core/clock.js";
import { detectionSink } from "../src/pipeline/detections.js";
import { Pipeline } from "../src/pipeline/pipeline.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { authLogLines } from "./gen/auth-log.js";
import { cloudTrailRecords } from "./gen/cloudtrail.js";

const execFileAsync = promisify(execFile);
const RUNS = 50;
const VIEWERS = 100;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99) };
};

function argNumber(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

async function fill(
  store: ReturnType<typeof openSqliteStore>,
  group: string,
  lines: Iterable<string>,
  file: string,
) {
  const out = fs.openSync(file, "w");
  let batch: Array<{
    group: string;
    stream: string;
    timestamp: number;
    ingestTime: number;
    message: string;
  }> = [];
  let ts = Date.UTC(2026, 10, 1);
  let n = 0;
  let ingestMs = 0;
  const flush = async () => {
    const t0 = performance.now();
    await store.logs.ingest({ events: batch, checkpoints: [], metricPoints: [] });
    ingestMs += performance.now() - t0;
    fs.writeSync(out, `${batch.map((e) => e.message).join("\n")}\n`);
    batch = [];
  };
  for (const message of lines) {
    ts += 50;
    batch.push({ group, stream: "host-1", timestamp: ts, ingestTime: ts, message });
    n++;
    if (batch.length === 10_000) await flush();
  }
  if (batch.length) await flush();
  fs.closeSync(out);
  const s = ingestMs / 1000;
  process.stdout.write(
    `stored ${n} events in ${group}: ingest ${s.toFixed(1)} s (${Math.round(n / s)} events/s)\n`,
  );
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function run(args: string[]): Promise<void> {
  const n = argNumber(args, "--events", 1_000_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-bench-api-"));
  const log = pino({ level: "silent" });
  const store = openSqliteStore(path.join(dir, "data"));
  const servers: Server[] = [];
  try {
    const authFile = path.join(dir, "auth.log");
    const ctFile = path.join(dir, "cloudtrail.jsonl");
    await fill(store, "auth", authLogLines(n, 1), authFile);
    // generating CloudTrail records is slow: 50,000 distinct ones, repeated up to n
    const records = [...cloudTrailRecords(Math.min(n, 50_000), 1)].map((r) => JSON.stringify(r));
    await fill(
      store,
      "cloudtrail",
      (function* () {
        for (let i = 0; i < n; i++) yield records[i % records.length];
      })(),
      ctFile,
    );

    const pipeline = new Pipeline({ logs: store.logs, log });
    const config = configSchema.parse({});
    const api = buildApiApp({
      store,
      clock: systemClock,
      log,
      detections: detectionSink({ pipeline, clock: systemClock, stream: () => "bench", log }),
      config: () => config,
      http: config.http,
      jails: () => new Map(),
      metricFilters: () => [],
    });
    pipeline.addConsumer(api.hub);
    const t = newApiToken();
    await store.users.add({
      name: "bench",
      role: "admin",
      passwordHash: "x",
      totpSecret: null,
      createdAt: 0,
      updatedAt: 0,
    });
    await store.users.putToken({
      id: t.id,
      hash: sha256(t.secret),
      role: "viewer",
      createdBy: "bench",
      createdAt: 0,
      expiresAt: null,
      lastUsedAt: null,
    });
    const server = createAdaptorServer({ fetch: api.app.fetch }) as Server;
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const headers = { authorization: `Bearer ${t.token}` };

    const searches: Array<{ label: string; group: string; pattern: string; peer: () => Promise<unknown> }> = [
      {
        label: 'term "Failed password"',
        group: "auth",
        pattern: '"Failed password"',
        peer: () => execFileAsync("grep", ["-m", "100", "-F", "Failed password", authFile]),
      },
      {
        label: 'term "Invalid user" admin',
        group: "auth",
        pattern: '"Invalid user" admin',
        peer: () =>
          execFileAsync("sh", ["-c", 'grep -F "Invalid user" "$0" | grep -m 100 -F admin', authFile]),
      },
      {
        label: 'JSON { $.eventName = "ConsoleLogin" && $.responseElements.ConsoleLogin = "Failure" }',
        group: "cloudtrail",
        pattern: '{ $.eventName = "ConsoleLogin" && $.responseElements.ConsoleLogin = "Failure" }',
        peer: () =>
          execFileAsync("sh", [
            "-c",
            'jq -c \'select(.eventName == "ConsoleLogin" and .responseElements.ConsoleLogin == "Failure")\' "$0" | head -100',
            ctFile,
          ]),
      },
    ];
    for (const s of searches) {
      const url = `${base}/api/v1/logs/events?group=${s.group}&limit=100&pattern=${encodeURIComponent(s.pattern)}`;
      let found = 0;
      let scanned = 0;
      const ours: number[] = [];
      for (let i = 0; i < RUNS; i++)
        ours.push(
          await timeIt(async () => {
            const body = (await (await fetch(url, { headers })).json()) as {
              events: unknown[];
              scanned: number;
            };
            found = body.events.length;
            scanned = body.scanned;
          }),
        );
      const peer: number[] = [];
      try {
        for (let i = 0; i < 10; i++) peer.push(await timeIt(s.peer));
      } catch (err) {
        process.stdout.write(`(peer tool failed or is not installed: ${String(err).slice(0, 120)})\n`);
        peer.push(Number.NaN);
      }
      const a = stats(ours);
      const b = stats(peer);
      process.stdout.write(
        `${s.label}: first page (${found} events, ${scanned} scanned) p50 ${fmt(a.p50)}, p99 ${fmt(a.p99)} — target p99 < 200 ms: ${a.p99 < 200 ? "met" : "NOT met"}; grep/jq over the file: p50 ${fmt(b.p50)} (${(b.p50 / a.p50).toFixed(2)}x ours)\n`,
      );
    }

    const groupsMs: number[] = [];
    for (let i = 0; i < 10; i++)
      groupsMs.push(
        await timeIt(async () => (await fetch(`${base}/api/v1/logs/groups`, { headers })).json()),
      );
    const g = stats(groupsMs);
    process.stdout.write(
      `GET /logs/groups (counts and bytes of ${2 * n} events): p50 ${fmt(g.p50)}, max ${fmt(Math.max(...groupsMs))}\n`,
    );

    // SSE: VIEWERS streams, a ban event through the pipeline, until every viewer has it
    const readers: Array<{ waitFor(marker: string): Promise<void>; cancel(): Promise<void> }> = [];
    for (let i = 0; i < VIEWERS; i++) {
      const res = await fetch(`${base}/api/v1/stream`, { headers });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const dec = new TextDecoder();
      let buf = "";
      let waiting: { marker: string; resolve: () => void } | undefined;
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) return;
          buf += dec.decode(value, { stream: true });
          if (waiting && buf.includes(waiting.marker)) {
            const w = waiting;
            waiting = undefined;
            buf = "";
            w.resolve();
          }
          if (buf.length > 100_000) buf = buf.slice(-1000);
        }
      })();
      readers.push({
        waitFor: (marker) =>
          new Promise<void>((resolve) => {
            if (buf.includes(marker)) {
              buf = "";
              resolve();
            } else waiting = { marker, resolve };
          }),
        cancel: () => reader.cancel(),
      });
    }
    while (api.hub.counters.viewers < VIEWERS) await new Promise((r) => setImmediate(r));
    const lat: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const marker = `203.0.113.${i % 250}-run${i}`;
      const all = Promise.all(readers.map((r) => r.waitFor(marker)));
      const t0 = performance.now();
      await pipeline.emitAndCommit({
        events: [
          {
            group: "mamori/bans",
            stream: "bench",
            timestamp: systemClock.now(),
            ingestTime: systemClock.now(),
            message: JSON.stringify({ action: "ban", ip: marker }),
          },
        ],
        checkpoints: [],
      });
      await all;
      lat.push(performance.now() - t0);
    }
    const s = stats(lat);
    process.stdout.write(
      `SSE, ${VIEWERS} viewers: ban event committed → received by all: p50 ${fmt(s.p50)}, p99 ${fmt(s.p99)} — target p99 < 100 ms: ${s.p99 < 100 ? "met" : "NOT met"}\n`,
    );
    for (const r of readers) await r.cancel();
    api.hub.closeAll();
  } finally {
    for (const s of servers) {
      s.closeAllConnections?.();
      s.close();
    }
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
