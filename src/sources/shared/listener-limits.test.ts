// Connection limits and timeouts of the TCP listeners (#12 items 2 and 12), on loopback with small caps.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import tls from "node:tls";
import type { ManualClock } from "../../core/clock.js";
import { waitFor } from "../../testing/wait.js";
import { httpSourceSchema } from "../http/config.js";
import { HttpIngestSource } from "../http/source.js";
import { syslogSourceSchema } from "../syslog/config.js";
import { SyslogSource } from "../syslog/source.js";
import type { SourceStats } from "../types.js";
import { FdBudget } from "./fd-budget.js";
import { type TestContext, testContext } from "./testing/context.js";
import { captureLog } from "./testing/log.js";

interface Running {
  port: number;
  t: TestContext;
  stats(): SourceStats;
  /** a well-formed request (http POST / syslog line) from localAddress; resolves once it is stored */
  normalRequest(localAddress: string): Promise<void>;
  stop(): Promise<void>;
}

type Limits = Record<string, number>;

const listeners: Array<{
  name: string;
  start(limits: Limits, budget: FdBudget, t: TestContext): Promise<Running>;
}> = [
  {
    name: "http",
    start: async (limits, budget, t) => {
      const config = httpSourceSchema.parse({ type: "http", listen: "127.0.0.1:0", tokens: ["tok"], limits });
      const source = new HttpIngestSource(config, t.ctx, { budget });
      const ac = new AbortController();
      const running = source.run(ac.signal);
      await Promise.race([source.listening, running]);
      return {
        port: source.port,
        t,
        stats: () => source.stats(),
        normalRequest: async (localAddress) => {
          const res = await postFrom(localAddress, source.port);
          assert.equal(res, 200);
        },
        stop: async () => {
          ac.abort();
          await running;
        },
      };
    },
  },
  {
    name: "syslog tcp",
    start: async (limits, budget, t) => {
      const config = syslogSourceSchema.parse({
        type: "syslog",
        listen: "tcp://127.0.0.1:0",
        group: "g",
        limits,
      });
      const source = new SyslogSource(config, t.ctx, { budget });
      const ac = new AbortController();
      const running = source.run(ac.signal);
      await Promise.race([source.listening, running]);
      return {
        port: source.port,
        t,
        stats: () => source.stats(),
        normalRequest: async (localAddress) => {
          const before = (await t.stored("g")).length;
          const sock = await connect(source.port, localAddress);
          sock.end("<38>Nov 25 08:00:01 h1 sshd[1]: a normal message\n");
          await waitFor("the message to be stored", async () => (await t.stored("g")).length > before);
        },
        stop: async () => {
          ac.abort();
          await running;
        },
      };
    },
  },
];

function connect(port: number, localAddress = "127.0.0.1"): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1", localAddress }, () => resolve(s));
    s.once("error", reject);
  });
}

/** Resolves once the server has closed the socket (end or reset); fails if it stays open. */
async function closedByServer(sock: net.Socket): Promise<void> {
  let closed = sock.destroyed;
  sock.on("error", () => {});
  sock.once("close", () => {
    closed = true;
  });
  sock.resume();
  await waitFor("the server to close the connection", () => closed, 5000);
}

async function postFrom(localAddress: string, port: number): Promise<number> {
  const body = JSON.stringify({ events: [{ timestamp: 1, message: "hello" }] });
  const sock = await connect(port, localAddress);
  sock.write(
    `POST /v1/logs/g/s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
  let answer = "";
  sock.setEncoding("utf8").on("data", (d: string) => {
    answer += d;
  });
  await closedByServer(sock);
  return Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1]);
}

for (const l of listeners) {
  test(`${l.name}: connections over the per-peer and total caps are closed with a log line; others still get through`, async () => {
    const captured = captureLog();
    const t = testContext({ log: captured.log });
    const s = await l.start({ max_connections: 5, max_connections_per_peer: 3 }, new FdBudget(20_000), t);
    const sockets: net.Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) sockets.push(await connect(s.port, "127.0.0.1"));
      await waitFor("3 admitted connections", () => s.stats().open_connections === 3);
      const extra = await connect(s.port, "127.0.0.1");
      await closedByServer(extra);
      assert.equal(s.stats().connections_refused, 1);
      const refusal = captured.warnings("connection refused");
      assert.equal(refusal.length, 1);
      assert.match(String(refusal[0].reason), /max_connections_per_peer \(3\)/);

      await s.normalRequest("127.0.0.2"); // another peer is not locked out
      assert.equal(s.stats().connections_refused, 1);

      sockets.push(await connect(s.port, "127.0.0.3"), await connect(s.port, "127.0.0.4"));
      await waitFor("5 admitted connections", () => s.stats().open_connections === 5);
      await closedByServer(await connect(s.port, "127.0.0.5"));
      assert.equal(s.stats().connections_refused, 2);
      // the second refusal within 10 s is counted, and summed up in the next log line, not logged alone
      assert.equal(captured.warnings("connection refused").length, 1);
    } finally {
      for (const sock of sockets) sock.destroy();
      await s.stop();
    }
  });

  test(`${l.name}: a silent connection is closed after its timeout on the clock; the budget's share is refused`, async () => {
    const t = testContext();
    const clock = t.clock as ManualClock;
    const s = await l.start({ header_timeout: 5, idle_timeout: 10 }, new FdBudget(20_000), t);
    try {
      const silent = await connect(s.port);
      await waitFor("the connection to be admitted", () => s.stats().open_connections === 1);
      clock.advance(4_000);
      assert.equal(silent.destroyed, false);
      clock.advance(11_000);
      await closedByServer(silent);
      assert.equal(s.stats().connections_timed_out, 1);
      await waitFor("the connection to be released", () => s.stats().open_connections === 0);
    } finally {
      await s.stop();
    }

    // a process whose RLIMIT_NOFILE is 40 lends the listeners 20 descriptors, not more
    const small = new FdBudget(40);
    const u = await l.start({ max_connections: 100, max_connections_per_peer: 100 }, small, testContext());
    const sockets: net.Socket[] = [];
    try {
      for (let i = 0; i < 20; i++) sockets.push(await connect(u.port));
      await waitFor("20 admitted connections", () => u.stats().open_connections === 20);
      await closedByServer(await connect(u.port));
      assert.equal(u.stats().connections_refused, 1);
    } finally {
      for (const sock of sockets) sock.destroy();
      await u.stop();
    }
  });
}

test("syslog tls: no handshake within header_timeout → closed; after the handshake, idle_timeout; per-peer cap counts TCP connections", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mamori-limits-tls-"));
  try {
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    const captured = captureLog();
    const t = testContext({ log: captured.log });
    const clock = t.clock as ManualClock;
    const config = syslogSourceSchema.parse({
      type: "syslog",
      listen: "tls://127.0.0.1:0",
      group: "g",
      tls: { cert, key },
      limits: { max_connections_per_peer: 2, header_timeout: 5, idle_timeout: 60 },
    });
    const source = new SyslogSource(config, t.ctx, { budget: new FdBudget(20_000) });
    const ac = new AbortController();
    const running = source.run(ac.signal);
    await Promise.race([source.listening, running]);
    try {
      const ca = await readFile(cert);
      const noHandshake = await connect(source.port); // plain TCP: never starts TLS
      const sender = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ port: source.port, host: "127.0.0.1", ca }, () => resolve(s));
        s.once("error", reject);
      });
      await waitFor("2 admitted connections", () => source.stats().open_connections === 2);
      await closedByServer(await connect(source.port)); // a third from the same address
      assert.equal(source.stats().connections_refused, 1);
      assert.equal(captured.warnings("connection refused").length, 1);

      sender.write("<13>Nov 25 08:00:08 h1 app: over TLS\n");
      await waitFor("the TLS message", async () => (await t.stored("g")).length === 1);
      clock.advance(6_000);
      await closedByServer(noHandshake);
      assert.equal(sender.destroyed, false, "a sender past its handshake is under idle_timeout only");
      clock.advance(60_000);
      await closedByServer(sender);
      assert.equal(source.stats().connections_timed_out, 2);
    } finally {
      ac.abort();
      await running;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("syslog tls: stopping closes connections still in their handshake at once", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mamori-limits-tls-"));
  try {
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
      ]),
      { stdio: "ignore" },
    );
    const t = testContext();
    const config = syslogSourceSchema.parse({
      type: "syslog",
      listen: "tls://127.0.0.1:0",
      group: "g",
      tls: { cert, key },
    });
    const source = new SyslogSource(config, t.ctx, { budget: new FdBudget(20_000) });
    const ac = new AbortController();
    const running = source.run(ac.signal);
    await Promise.race([source.listening, running]);
    const half = await connect(source.port); // TCP only, no handshake
    await waitFor("the connection to be admitted", () => source.stats().open_connections === 1);
    let stopped = false;
    ac.abort();
    void running.then(() => {
      stopped = true;
    });
    await waitFor("run() to resolve after abort", () => stopped, 3000);
    await closedByServer(half);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
