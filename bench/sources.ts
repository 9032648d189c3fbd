/**
 * `npm run bench -- sources [--quick] [--store]`: events/s of the network and cloud sources.
 *  - syslog over UDP and over TCP on loopback: a child process sends RFC 3164 lines as fast as it can;
 *    the receiver parses them into events and emits them (the rate is what the receiver took in, from
 *    its first to its last event; UDP datagrams the kernel dropped are reported, not counted).
 *  - gzipped VPC flow-log files (the seed's 29-field custom format) and gzipped CloudTrail files:
 *    read + gunzip + sha256 + parse + events + emit, per file, with its checkpoints.
 * Events go into a counting sink (no store) unless --store, which puts the real pipeline and an
 * in-memory SQLite store behind them.
 */
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { systemClock } from "../src/core/clock.js";
import { SYSLOG_LISTENER_DEFAULTS } from "../src/core/listener-limits.js";
import { Pipeline } from "../src/pipeline/pipeline.js";
import { cloudtrail } from "../src/sources/cloudtrail/index.js";
import type { OnceFileSource } from "../src/sources/shared/once-files.js";
import { syslog } from "../src/sources/syslog/index.js";
import type { SyslogSource } from "../src/sources/syslog/source.js";
import type { SourceBatch, SourceContext } from "../src/sources/types.js";
import { vpcFlow } from "../src/sources/vpc-flow/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { writeCloudTrailTree, writeFlowLogTree } from "./gen/files.js";
import { VPC_CUSTOM_29_FIELDS } from "./gen/vpc-flow.js";

const SELF = fileURLToPath(import.meta.url);
const LINE = (i: number) =>
  `<38>Nov 25 08:00:01 web${i % 8} sshd[${1000 + (i % 5000)}]: Connection closed by 203.0.113.${i % 250} port ${1024 + (i % 60000)} [preauth]`;

interface Sink {
  ctx: SourceContext;
  events(): number;
  firstAt(): number;
  lastAt(): number;
}

function sink(id: string, withStore: boolean): Sink {
  const log = pino({ level: "silent" });
  let n = 0;
  let first = 0;
  let last = 0;
  const count = (b: SourceBatch) => {
    if (n === 0 && b.events.length > 0) first = performance.now();
    n += b.events.length;
    last = performance.now();
  };
  const store = withStore ? openSqliteStore(":memory:") : undefined;
  const pipeline = store ? new Pipeline({ logs: store.logs, log }) : undefined;
  const ctx: SourceContext = {
    id,
    clock: systemClock,
    log,
    hostname: os.hostname(),
    logs: {
      getCheckpoint: async () => undefined,
      listCheckpoints: async () => [],
      deleteCheckpoint: async () => {},
    },
    emit: async (b) => {
      if (pipeline) await pipeline.emitAndCommit(b);
      count(b);
    },
  };
  return { ctx, events: () => n, firstAt: () => first, lastAt: () => last };
}

const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
const fmt = (n: number) => n.toLocaleString("en-US");

async function waitQuiet(s: Sink, expected: number, quietMs: number): Promise<void> {
  let seen = -1;
  let since = performance.now();
  while (s.events() < expected) {
    if (s.events() !== seen) {
      seen = s.events();
      since = performance.now();
    } else if (performance.now() - since > quietMs) return;
    await new Promise((r) => setImmediate(r));
  }
}

async function benchSyslog(proto: "udp" | "tcp", n: number, withStore: boolean): Promise<void> {
  const s = sink(`bench-${proto}`, withStore);
  const config = {
    type: "syslog" as const,
    listen: `${proto}://127.0.0.1:0`,
    group: "syslog",
    framing: "auto" as const,
    max_message_bytes: 65536,
    limits: SYSLOG_LISTENER_DEFAULTS,
  };
  const source = syslog.create(config, s.ctx) as SyslogSource;
  const ac = new AbortController();
  const running = source.run(ac.signal);
  await source.listening;
  const child = spawn(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), SELF, "--send", proto, String(source.port), String(n)],
    {
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  await waitQuiet(s, n, proto === "udp" ? 1000 : 10_000);
  await exited;
  ac.abort();
  await running;
  const got = s.events();
  const ms = s.lastAt() - s.firstAt();
  const loss =
    n - got > 0 ? ` (${fmt(n - got)} of ${fmt(n)} datagrams dropped by the kernel: receiver saturated)` : "";
  process.stdout.write(
    `syslog ${proto.toUpperCase()}: ${fmt(got)} events in ${ms.toFixed(0)} ms = ${fmt(rate(got, ms))} events/s${loss}\n`,
  );
}

async function benchFiles(
  kind: "vpc-flow" | "cloudtrail",
  files: number,
  perFile: number,
  withStore: boolean,
): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mamori-bench-${kind}-`));
  try {
    const written =
      kind === "vpc-flow"
        ? writeFlowLogTree(dir, { files, perFile, fields: VPC_CUSTOM_29_FIELDS })
        : writeCloudTrailTree(dir, { files, perFile });
    const bytes = written.reduce((sum, f) => sum + statSync(f).size, 0);
    const s = sink(`bench-${kind}`, withStore);
    const source = (
      kind === "vpc-flow"
        ? vpcFlow.create(
            {
              type: "vpc-flow",
              path: `${dir}/**/*.log.gz`,
              group: "vpc",
              poll_interval: 60,
              follow_symlinks: false,
            },
            s.ctx,
          )
        : cloudtrail.create(
            {
              type: "cloudtrail",
              path: `${dir}/**/*.json.gz`,
              group: "ct",
              poll_interval: 60,
              follow_symlinks: false,
            },
            s.ctx,
          )
    ) as OnceFileSource;
    const t0 = performance.now();
    await source.scan();
    const ms = performance.now() - t0;
    const mb = (bytes / 1024 / 1024).toFixed(1);
    process.stdout.write(
      `${kind} .gz files: ${fmt(s.events())} events from ${files} files (${mb} MiB gzip) in ${ms.toFixed(0)} ms = ${fmt(rate(s.events(), ms))} events/s\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes("--quick");
  const withStore = args.includes("--store");
  const k = quick ? 1 : 5;
  process.stdout.write(
    `sink: ${withStore ? "pipeline + in-memory SQLite store" : "counting sink (no store)"}\n`,
  );
  await benchSyslog("udp", 40_000 * k, withStore);
  await benchSyslog("tcp", 40_000 * k, withStore);
  await benchFiles("vpc-flow", 4 * k, 10_000, withStore);
  await benchFiles("cloudtrail", 4 * k, 2_500, withStore);
}

// ---------------------------------------------------------------- the sender child process

async function sendUdp(port: number, n: number): Promise<void> {
  const sock = dgram.createSocket("udp4");
  let inFlight = 0;
  for (let i = 0; i < n; i++) {
    inFlight++;
    sock.send(LINE(i), port, "127.0.0.1", () => inFlight--);
    // keep the send queue short so the kernel, not our own buffers, sees the load
    if (inFlight > 256) await new Promise((r) => setImmediate(r));
  }
  while (inFlight > 0) await new Promise((r) => setImmediate(r));
  sock.close();
}

async function sendTcp(port: number, n: number): Promise<void> {
  const sock = net.connect(port, "127.0.0.1");
  await new Promise<void>((r) => sock.once("connect", () => r()));
  let chunk = "";
  for (let i = 0; i < n; i++) {
    chunk += `${LINE(i)}\n`;
    if (chunk.length > 64 * 1024 || i === n - 1) {
      if (!sock.write(chunk)) await new Promise((r) => sock.once("drain", r));
      chunk = "";
    }
  }
  await new Promise<void>((r) => sock.end(() => r()));
}

if (process.argv[1] === SELF && process.argv[2] === "--send") {
  const [proto, port, n] = process.argv.slice(3);
  await (proto === "udp" ? sendUdp : sendTcp)(Number(port), Number(n));
}
