import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import tls from "node:tls";
import { systemClock } from "../../core/clock.js";
import { waitFor } from "../../testing/wait.js";
import { enrollAgent } from "../agent/enroll.js";
import { createCsr, loadOrCreateCa, signClientCsr } from "../ca/ca.js";
import { generateKeyPair, privateKeyPem } from "../ca/keys.js";
import { serverSchema } from "../config.js";
import { agentSession, request } from "../testing/client.js";
import { startTestServer, type TestServer } from "../testing/harness.js";
import { positionOf } from "./ingest.js";
import { FleetServer } from "./server.js";

let srv: TestServer;
let agentId: string;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fleet-hostile-"));
const agentDir = path.join(tmp, "agent");

before(async () => {
  srv = await startTestServer({ clock: systemClock, maxRequestBytes: 64 * 1024, heartbeat: "1s" });
  agentId = (await enrollAgent({ token: await srv.token(), name: "web-1", dataDir: agentDir })).id;
});
after(async () => {
  await srv.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ev = (id: number, message: string) => ({
  id,
  group: "app",
  timestamp: 1_700_000_000_000 + id,
  message,
});
const stored = async () => (await srv.store.logs.query({ group: "app" })).map((e) => e.message);

/** The server still answers a well-formed request after whatever the test threw at it. */
async function stillServes() {
  const s = await agentSession(agentDir, srv.port);
  const r = await request(s, "POST", "/v1/heartbeat", { counters: {} });
  s.close();
  assert.equal(r.status, 200);
}

describe("fleet server: batches", () => {
  it("commits a batch then acks; a replayed sequence is acked again and stored once; a skipped one is refused", async () => {
    const s = await agentSession(agentDir, srv.port);
    const one = await request(s, "POST", "/v1/batch", { seq: 1, events: [ev(1, "a"), ev(2, "b")] });
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, { seq: 1, lastId: 2 });
    const again = await request(s, "POST", "/v1/batch", { seq: 1, events: [ev(1, "a"), ev(2, "b")] });
    assert.deepEqual(again.json, { seq: 1, lastId: 2 });
    const skipped = await request(s, "POST", "/v1/batch", { seq: 5, events: [ev(3, "c")] });
    assert.equal(skipped.status, 409);
    assert.match(String(skipped.json.error), /sequence 5 skips ahead; expected 2/);
    // a resend that overlaps what was committed stores only the new events
    const two = await request(s, "POST", "/v1/batch", { seq: 2, events: [ev(2, "b"), ev(3, "c")] });
    assert.deepEqual(two.json, { seq: 2, lastId: 3 });
    s.close();
    assert.deepEqual(await stored(), ["a", "b", "c"]);
    const streams = await srv.store.logs.streams("app");
    assert.deepEqual(
      streams.map((x) => x.name),
      ["web-1"],
      "stream = the agent's name",
    );
    assert.deepEqual(await positionOf(srv.store.logs, agentId), { seq: 2, lastId: 3 });
    assert.ok(srv.log.has(/skips ahead/));
  });

  it("refuses malformed and oversized batches with a clear log line and keeps serving", async () => {
    const s = await agentSession(agentDir, srv.port);
    const bad = await request(s, "POST", "/v1/batch", "{not json <script>");
    assert.equal(bad.status, 400);
    const wrong = await request(s, "POST", "/v1/batch", {
      seq: 3,
      events: [{ id: 9, group: "", timestamp: 1, message: "x" }],
    });
    assert.equal(wrong.status, 400);
    assert.match(String(wrong.json.error), /group must be 1-512 characters/);
    const big = await request(s, "POST", "/v1/batch", { seq: 3, events: [ev(9, "x".repeat(100_000))] }).catch(
      (e: Error) => ({ status: -1, text: e.message, json: {} }),
    );
    assert.ok(big.status === 413 || big.status === -1, `oversized body refused (got ${big.status})`);
    s.destroy();
    assert.ok(srv.log.has(/body larger than 65536 bytes/));
    await stillServes();
  });
});

describe("fleet server: hostile peers", () => {
  it("refuses a request without a client certificate", async () => {
    const http2 = await import("node:http2");
    const s = http2.connect(`https://localhost:${srv.port}`, {
      ca: fs.readFileSync(path.join(agentDir, "fleet", "ca.crt")),
      minVersion: "TLSv1.3",
    });
    const r = await request(s, "POST", "/v1/batch", { seq: 1, events: [] });
    s.close();
    assert.equal(r.status, 401);
    assert.ok(srv.log.has(/refused: no client certificate/));
  });

  it("refuses a certificate from another CA", async () => {
    const other = await loadOrCreateCa(path.join(tmp, "other-ca"), systemClock);
    const keys = await generateKeyPair();
    const cert = await signClientCsr(other, await createCsr(keys, "evil"), agentId, systemClock);
    const s = await agentSession(agentDir, srv.port, { key: await privateKeyPem(keys.privateKey), cert });
    const r = await request(s, "POST", "/v1/batch", { seq: 3, events: [ev(10, "forged")] });
    s.close();
    assert.equal(r.status, 401);
    assert.ok(srv.log.has(/not signed by this fleet's CA/));
    assert.ok(!(await stored()).includes("forged"));
  });

  it("survives garbage instead of TLS, and garbage frames inside TLS", async () => {
    await new Promise<void>((resolve) => {
      const c = net.connect(srv.port, "127.0.0.1", () =>
        c.end(Buffer.from("GET / HTTP/1.1\r\n\r\n\x00\xff<script>")),
      );
      c.on("close", () => resolve());
      c.on("error", () => resolve());
    });
    await waitFor("the handshake refusal in the log", () => srv.log.has(/TLS handshake refused/));
    await new Promise<void>((resolve) => {
      const c = tls.connect(
        { port: srv.port, host: "127.0.0.1", rejectUnauthorized: false, ALPNProtocols: ["h2"] },
        () => {
          c.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.alloc(64, 0xff)]));
        },
      );
      // bounded: whether the server answers GOAWAY and closes or waits, the peer gives up after 3 s
      c.setTimeout(3000, () => c.destroy());
      c.on("close", () => resolve());
      c.on("error", () => resolve());
    });
    await stillServes();
  });

  it("closes a connection that never starts TLS after 3 heartbeats, with a log line naming the peer", async () => {
    let closed = false;
    const c = net.connect(srv.port, "127.0.0.1");
    c.on("error", () => {});
    c.on("close", () => (closed = true));
    // the handshake timeout is 3 heartbeats of 1 s; the bound leaves room for a loaded machine
    await waitFor("the silent connection closed by the server", () => closed, 15_000, 50);
    assert.ok(
      srv.log.has(/TLS handshake timeout.*"address":"127\.0\.0\.1".*fleet: TLS handshake refused/),
      srv.log.lines.slice(-5).join(""),
    );
    await stillServes();
  });

  it("a second server on a taken port fails to start with what to check", async () => {
    const other = new FleetServer(
      serverSchema.parse({ listen: `127.0.0.1:${srv.port}`, name: "localhost" }),
      {
        dataDir: path.join(tmp, "second"),
        store: srv.store,
        pipeline: srv.pipeline,
        detections: { emit: () => {} },
        clock: systemClock,
        log: srv.log.log,
      },
    );
    await assert.rejects(
      other.start(),
      /cannot listen on 127\.0\.0\.1:\d+ \(server\.listen\).*another process/,
    );
    await stillServes();
  });
});
