/**
 * The fleet bench's agent simulator, a child process of bench/fleet-load.ts (run with `node --import tsx`):
 * N agents in one process, each enrolled for real (its own key pair, a CSR and `POST /v1/enroll` with one
 * token of `--uses N`), each with its own client certificate and its own mutual-TLS HTTP/2 session, doing
 * what the real forwarder (src/fleet/agent/forwarder.ts) does on the wire: the command stream open, a
 * heartbeat every `beat` s, and sequenced batches, one in flight at a time, each acknowledged after the
 * server committed it. Events are made at `rate`/s per agent, evenly spaced; every `batchMs` an agent
 * sends what it made since its last batch (more when the previous batch took longer: no event is skipped).
 *
 * All agents share one 20 ms tick (one timer, not N), so the simulator stays cheap next to the server.
 * Input: one JSON argument. Output: JSON lines on stdout ({"phase": …} progress, then {"result": …}).
 */
import fs from "node:fs";
import http2 from "node:http2";
import { createCsr } from "../src/fleet/ca/ca.js";
import { generateKeyPair, privateKeyPem } from "../src/fleet/ca/keys.js";
import { parseToken } from "../src/fleet/enroll/token.js";
import { PROTOCOL_PATHS, readJson } from "../src/fleet/wire.js";

export interface SimOptions {
  token: string;
  /** the server CA's PEM file (DATA/fleet/ca.crt) */
  caFile: string;
  agents: number;
  durationS: number;
  /** events per second per agent */
  rate: number;
  /** heartbeat period, s */
  beatS: number;
  /** how often an agent sends a batch, ms (the real forwarder polls every 200 ms when idle) */
  batchMs: number;
  /** enrollments and handshakes in flight at once */
  concurrency: number;
  /** agent names: PREFIX-N */
  prefix: string;
}

const LINE = "sshd[4242]: Failed password for invalid user admin from 203.0.113.7 port 52144 ssh2 agent=";
const TICK_MS = 20;

interface SimAgent {
  n: number;
  name: string;
  key: string;
  cert: string;
  session?: http2.ClientHttp2Session;
  seq: number;
  nextId: number;
  /** events made so far (their ids are 1..made) */
  made: number;
  acked: number;
  inFlight: boolean;
  nextBatch: number;
  nextBeat: number;
  /** the agent's phase in [0, 1): its events are made at start + (k + phase) / rate */
  phase: number;
  /** sessions of this agent that closed (the server ended them or the connection broke) */
  closed: number;
  connecting: boolean;
  /** when to reconnect after a close (the forwarder's `retry`, 2 s) */
  retryAt: number;
}

/** Latencies as a histogram of 1 ms buckets (up to 60 s), weighted by events: p99 without storing each. */
class Histogram {
  private readonly buckets = new Float64Array(60_001);
  count = 0;
  max = 0;
  add(ms: number, weight = 1): void {
    const b = Math.min(60_000, Math.max(0, Math.round(ms)));
    this.buckets[b] += weight;
    this.count += weight;
    if (ms > this.max) this.max = ms;
  }
  quantile(q: number): number {
    let seen = 0;
    const want = q * this.count;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= want && seen > 0) return i;
    }
    return this.max;
  }
}

function emit(o: unknown): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

function post(s: http2.ClientHttp2Session, path: string, body: unknown) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = s.request({ ":method": "POST", ":path": path, "content-type": "application/json" });
    let status = 0;
    req.once("response", (h) => (status = Number(h[":status"])));
    readJson(req, 1024 * 1024).then(
      (b) => resolve({ status, body: (b ?? {}) as Record<string, unknown> }),
      reject,
    );
    req.once("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** Runs fn over items with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async () => {
    while (i < items.length) await fn(items[i++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function enrollAll(o: SimOptions, ca: string, origin: string): Promise<SimAgent[]> {
  const token = parseToken(o.token);
  const agents: SimAgent[] = [];
  const session = http2.connect(origin, { ca, servername: "localhost", minVersion: "TLSv1.3" });
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  const ns = Array.from({ length: o.agents }, (_, i) => i + 1);
  await pool(ns, o.concurrency, async (n) => {
    const name = `${o.prefix}-${n}`;
    const keys = await generateKeyPair();
    const csr = await createCsr(keys, name);
    const res = await post(session, PROTOCOL_PATHS.enroll, { secret: token.secret, csr, name });
    if (res.status !== 200) throw new Error(`enrolling ${name}: ${res.status} ${String(res.body.error)}`);
    agents.push({
      n,
      name,
      key: await privateKeyPem(keys.privateKey),
      cert: String(res.body.cert),
      seq: 0,
      nextId: 1,
      made: 0,
      acked: 0,
      inFlight: false,
      nextBatch: 0,
      nextBeat: 0,
      phase: (n - 1) / o.agents,
      closed: 0,
      connecting: false,
      retryAt: 0,
    });
  });
  session.close();
  return agents;
}

const RETRY_MS = 2000;

/** Connects one agent and opens its command stream; resolves after the hello. */
function connect(a: SimAgent, ca: string, origin: string): Promise<void> {
  a.connecting = true;
  return new Promise<void>((resolve, reject) => {
    const s = http2.connect(origin, {
      ca,
      key: a.key,
      cert: a.cert,
      servername: "localhost",
      minVersion: "TLSv1.3",
    });
    const lost = () => {
      if (a.session === s) {
        a.session = undefined;
        a.closed++;
        a.retryAt = performance.now() + RETRY_MS;
      }
    };
    s.once("error", (err) => {
      lost();
      reject(err);
    });
    s.once("close", lost);
    s.once("connect", () => {
      const req = s.request({ ":method": "GET", ":path": PROTOCOL_PATHS.commands });
      req.end();
      req.setEncoding("utf8");
      let buf = "";
      let hello = false;
      req.on("data", (d: string) => {
        buf += d;
        let i = buf.indexOf("\n");
        while (i >= 0) {
          const cmd = JSON.parse(buf.slice(0, i)) as { id: string; type: string };
          buf = buf.slice(i + 1);
          i = buf.indexOf("\n");
          if (cmd.type === "hello") {
            hello = true;
            a.session = s;
            a.nextBeat = performance.now(); // the forwarder beats at once after connecting
            resolve();
          } else void post(s, PROTOCOL_PATHS.commandAck, { id: cmd.id, ok: true }).catch(() => {});
        }
      });
      // the server ended the command stream: the forwarder closes the session and reconnects
      req.on("end", () => {
        if (!hello) reject(new Error(`${a.name}: the command stream ended before hello`));
        s.close();
      });
      req.on("error", () => s.destroy());
    });
  })
    .catch(() => {
      a.retryAt = performance.now() + RETRY_MS;
    })
    .finally(() => (a.connecting = false));
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]) as SimOptions;
  const token = parseToken(o.token);
  const ca = fs.readFileSync(o.caFile, "utf8");
  const origin = `https://127.0.0.1:${token.server.split(":").pop()}`;
  const cpu0 = process.cpuUsage();
  let t = performance.now();
  const agents = await enrollAll(o, ca, origin);
  emit({ phase: "enrolled", agents: agents.length, seconds: (performance.now() - t) / 1000 });
  const sendLatency = new Histogram();
  const madeLatency = new Histogram();
  const counters = {
    batches: 0,
    refused: 0,
    errors: 0,
    beats: 0,
    beatErrors: 0,
    maxBatch: 0,
    reconnects: 0,
  };
  let running = false;
  let start = 0;
  let wallStart = 0;
  let end = Number.POSITIVE_INFINITY;

  /** How many events an agent has made `elapsedMs` into the run (its k-th at (k + phase) / rate s). */
  const madeBy = (a: SimAgent, elapsedMs: number) =>
    Math.max(0, Math.floor((elapsedMs / 1000) * o.rate - a.phase + 1e-9) + 1);
  const atEnd = (a: SimAgent) => madeBy(a, o.durationS * 1000);

  /** Events after the acked position up to now, in one batch; one batch in flight per agent. */
  const sendBatch = (a: SimAgent, now: number) => {
    const due = now >= end ? atEnd(a) : madeBy(a, now - start);
    if (due <= a.acked || !a.session) return;
    const from = a.acked;
    const events = [];
    for (let k = from; k < due; k++) {
      const madeAt = wallStart + ((k + a.phase) / o.rate) * 1000;
      events.push({ id: k + 1, group: "bench", timestamp: Math.round(madeAt), message: LINE + a.name });
    }
    a.made = Math.max(a.made, due);
    a.inFlight = true;
    const seq = a.seq + 1;
    const sentAt = performance.now();
    counters.maxBatch = Math.max(counters.maxBatch, events.length);
    post(a.session, PROTOCOL_PATHS.batch, { seq, events })
      .then((res) => {
        const ackAt = performance.now();
        if (res.status !== 200) {
          counters.refused++;
          return;
        }
        // a resend of a batch the server had committed: it answers its position, the agent moves on
        a.seq = Number(res.body.seq);
        a.acked = Number(res.body.lastId);
        counters.batches++;
        sendLatency.add(ackAt - sentAt, Math.max(0, a.acked - from));
        for (let k = from; k < a.acked; k++)
          madeLatency.add(ackAt - (start + ((k + a.phase) / o.rate) * 1000));
      })
      .catch(() => counters.errors++)
      .finally(() => (a.inFlight = false));
  };

  const beat = (a: SimAgent) => {
    if (!a.session) return;
    const c = process.cpuUsage();
    post(a.session, PROTOCOL_PATHS.heartbeat, {
      version: "bench",
      configVersion: null,
      counters: {
        sent: a.acked,
        spooled: a.made - a.acked,
        dropped: 0,
        cpuMs: Math.round((c.user + c.system) / 1000 / o.agents),
        rss: 0,
      },
    }).then(
      (r) => (r.status === 200 ? counters.beats++ : counters.beatErrors++),
      () => counters.beatErrors++,
    );
  };

  let lastReport = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => (finish = r));
  // one timer for every agent: beats from the moment each connects (as the forwarder), reconnects after
  // a close, batches once all are connected, then the drain after the end
  const timer = setInterval(() => {
    const now = performance.now();
    let pending = 0;
    for (const a of agents) {
      if (!a.session) {
        if (!a.connecting && a.retryAt > 0 && now >= a.retryAt) {
          counters.reconnects++;
          void connect(a, ca, origin);
        }
        if (running && a.acked < a.made) pending++;
        continue;
      }
      if (now >= a.nextBeat) {
        a.nextBeat = now + o.beatS * 1000;
        beat(a);
      }
      if (!running) continue;
      if (now >= a.nextBatch && !a.inFlight) {
        a.nextBatch = now + o.batchMs;
        sendBatch(a, now);
      }
      if (a.inFlight || (now >= end && a.acked < Math.floor(o.durationS * o.rate - a.phase) + 1)) pending++;
    }
    if (!running) return;
    if (now - lastReport >= 5000) {
      lastReport = now;
      emit({ phase: "running", at: Math.round((now - start) / 1000), batches: counters.batches });
    }
    // after the end: every agent sends what it made before the end, and the bench waits for the acks
    if (now >= end && (pending === 0 || now > end + 60_000)) {
      clearInterval(timer);
      finish();
    }
  }, TICK_MS);

  t = performance.now();
  await pool(agents, o.concurrency, (a) => connect(a, ca, origin));
  emit({
    phase: "connected",
    agents: agents.filter((a) => a.session).length,
    seconds: (performance.now() - t) / 1000,
  });
  const cpuStart = process.cpuUsage();
  start = performance.now();
  wallStart = Date.now();
  end = start + o.durationS * 1000;
  lastReport = start;
  for (const a of agents) a.nextBatch = start + a.phase * o.batchMs;
  running = true;
  await finished;
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  // every event made before the end, whether or not the agent got it acked
  const made = agents.reduce((s, a) => s + atEnd(a), 0);
  const acked = agents.reduce((s, a) => s + a.acked, 0);
  emit({
    result: {
      agents: agents.length,
      closed: agents.reduce((n, a) => n + a.closed, 0),
      made,
      acked,
      seconds,
      ...counters,
      sendP50: sendLatency.quantile(0.5),
      sendP99: sendLatency.quantile(0.99),
      sendMax: sendLatency.max,
      madeP50: madeLatency.quantile(0.5),
      madeP99: madeLatency.quantile(0.99),
      madeMax: madeLatency.max,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100,
      cpuTotalS: (() => {
        const c = process.cpuUsage(cpu0);
        return (c.user + c.system) / 1e6;
      })(),
      rssMb: process.memoryUsage.rss() / 1048576,
    },
  });
  for (const a of agents) a.session?.destroy();
  // stdout is a pipe: exit once the result line is written, not after every session's goodbye
  process.stdout.write("", () => process.exit(0));
}

await main();
