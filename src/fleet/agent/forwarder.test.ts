import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { ManualClock, systemClock } from "../../core/clock.js";
import { openSqliteStore, type SqliteStore } from "../../store/sqlite/index.js";
import { waitFor } from "../../testing/wait.js";
import { agentSchema } from "../config.js";
import { capturedLog, startTestServer, type TestServer } from "../testing/harness.js";
import { enrollAgent } from "./enroll.js";
import { AgentForwarder, retryDelayS } from "./forwarder.js";

let srv: TestServer;
let agentStore: SqliteStore;
let agentConfig: ReturnType<typeof agentSchema.parse>;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fleet-fwd-"));
const agentDir = path.join(tmp, "agent");
const log = pino({ level: "silent" });

before(async () => {
  srv = await startTestServer({ clock: systemClock, heartbeat: "1s" });
  const e = await enrollAgent({ token: await srv.token(), name: "web-1", dataDir: agentDir });
  agentStore = openSqliteStore(agentDir);
  agentConfig = agentSchema.parse({
    server: `localhost:${srv.port}`,
    id: e.id,
    name: e.name,
    ca_fingerprint: srv.server.caFingerprint,
    batch_size: 7,
    retry: 0.1,
  });
});
after(async () => {
  await agentStore.close();
  await srv.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
async function writeLocal(count: number): Promise<void> {
  const now = systemClock.now();
  const events = Array.from({ length: count }, () => ({
    group: "auth",
    stream: "local",
    timestamp: now,
    ingestTime: now,
    message: `line ${++n}`,
  }));
  await agentStore.logs.ingest({ events, checkpoints: [], metricPoints: [] });
}

const forwarder = () =>
  new AgentForwarder(agentConfig, {
    dataDir: agentDir,
    logs: agentStore.logs,
    clock: systemClock,
    log,
    version: "0.1.0",
  });
const onServer = async () =>
  (await srv.store.logs.query({ group: "auth", limit: 10_000 })).map((e) => e.message);
const expected = () => Array.from({ length: n }, (_, i) => `line ${i + 1}`);

describe("agent forwarder", () => {
  it("sends what the agent's store holds in order, batch by batch, and keeps up with new events", async () => {
    await writeLocal(20);
    const f = forwarder();
    await f.start();
    await waitFor("20 events on the server", async () => (await onServer()).length === 20);
    await writeLocal(5);
    await waitFor("25 events on the server", async () => (await onServer()).length === 25);
    await f.stop();
    assert.deepEqual(await onServer(), expected());
    const streams = await srv.store.logs.streams("auth");
    assert.deepEqual(
      streams.map((s) => s.name),
      ["web-1"],
    );
  });

  it("exactly once when the agent crashed after the server committed but before it saved the ack", async () => {
    // the agent's saved position is rolled back, as if it died between the server's commit and its own
    await agentStore.logs.ingest({
      events: [],
      checkpoints: [
        { source: "fleet-forwarder", key: "position", value: JSON.stringify({ seq: 1, lastId: 7 }) },
      ],
      metricPoints: [],
    });
    await writeLocal(9);
    const f = forwarder();
    await f.start();
    await waitFor("34 events on the server", async () => (await onServer()).length >= 34);
    await f.stop();
    assert.deepEqual(await onServer(), expected(), "no event twice, none lost");
  });

  it("resends from the server's position when the server is behind (restored from a backup)", async () => {
    // the agent believes seq 40 was acked; the server has far less: it answers 409 with its position
    const serverPos = JSON.parse(
      (await srv.store.logs.getCheckpoint(`fleet-agent:${agentConfig.id}`, "position")) ?? "{}",
    );
    await agentStore.logs.ingest({
      events: [],
      checkpoints: [
        {
          source: "fleet-forwarder",
          key: "position",
          value: JSON.stringify({ seq: serverPos.seq + 40, lastId: serverPos.lastId }),
        },
      ],
      metricPoints: [],
    });
    await writeLocal(3);
    const f = forwarder();
    await f.start();
    await waitFor("the new events on the server", async () => (await onServer()).length === n);
    await f.stop();
    assert.deepEqual(await onServer(), expected());
  });

  it("keeps collecting while the server is away and drains in order when it is back", async () => {
    const f = forwarder();
    await f.start();
    await waitFor("connected", () => f.connected);
    // the server's sessions are cut (as by a server restart); the agent reconnects on its own
    const before = f.counters.connects;
    srv.server.live.closeAll();
    await writeLocal(12);
    await waitFor("reconnected", () => f.counters.connects > before && f.connected);
    await waitFor("all events on the server", async () => (await onServer()).length === n);
    await f.stop();
    assert.deepEqual(await onServer(), expected());
  });

  it("renews its certificate over the authenticated channel before expiry, and goes on with the new one", async () => {
    const certFile = path.join(agentDir, "fleet", "agent.crt");
    const old = fs.readFileSync(certFile, "utf8");
    const due = new AgentForwarder(
      { ...agentConfig, renew_before: 400 * 86_400 }, // a year-long certificate is "due" under 400 days
      { dataDir: agentDir, logs: agentStore.logs, clock: systemClock, log, version: "0.1.0" },
    );
    await due.start();
    await waitFor("a renewal", () => due.counters.renewals >= 1);
    await due.stop();
    const renewed = fs.readFileSync(certFile, "utf8");
    assert.notEqual(renewed, old);
    const rec = await srv.store.agents.get(agentConfig.id);
    assert.equal(
      rec?.certFingerprint,
      new X509Certificate(renewed).fingerprint256.replace(/:/g, "").toLowerCase(),
    );
    await writeLocal(4);
    const f = forwarder();
    await f.start();
    await waitFor("events sent with the renewed certificate", async () => (await onServer()).length === n);
    await f.stop();
    assert.equal(f.counters.renewals, 0, "a fresh certificate is not renewed again");
  });

  it("keeps the newest events when the spool is over spool_max, counting what it dropped", async () => {
    const before = n;
    await writeLocal(50); // ~7 bytes each: 50 events are ~400 bytes
    const f = new AgentForwarder(
      { ...agentConfig, spool_max: 1024 },
      { dataDir: agentDir, logs: agentStore.logs, clock: systemClock, log, version: "0.1.0" },
    );
    const pos = JSON.parse((await agentStore.logs.getCheckpoint("fleet-forwarder", "position")) ?? "{}");
    assert.ok((await agentStore.logs.unsentBytes(pos.lastId)) < 1024);
    await writeLocal(200);
    assert.ok((await agentStore.logs.unsentBytes(pos.lastId)) > 1024);
    const dropped = await f.enforceSpoolMax();
    assert.ok(dropped > 0);
    assert.equal(f.counters.dropped, dropped);
    assert.ok((await agentStore.logs.unsentBytes(pos.lastId)) <= 1024);
    const left = await agentStore.logs.since(pos.lastId, 10_000);
    assert.equal(left.at(-1)?.message, `line ${n}`, "the newest are kept");
    assert.equal(left[0].message, `line ${before + dropped + 1}`, "the oldest went first");
  });

  it("a clone of the data dir is refused, says what to do, and tries again less and less often", async () => {
    const f = forwarder();
    await f.start();
    await waitFor("the original connected", () => f.connected);
    const cloneDir = path.join(tmp, "clone");
    fs.cpSync(agentDir, cloneDir, { recursive: true });
    const cloneStore = openSqliteStore(cloneDir);
    const clock = new ManualClock(systemClock.now());
    const cloneLog = capturedLog();
    const clone = new AgentForwarder(agentConfig, {
      dataDir: cloneDir,
      logs: cloneStore.logs,
      clock,
      log: cloneLog.log,
      version: "0.1.0",
    });
    try {
      await clone.start();
      await waitFor("the clone refused", () => clone.counters.refusals === 1);
      assert.match(String(clone.lastError), /clone suspected: .*enroll this host with its own token/);
      clock.advance(100); // retry: 0.1 s after the first refusal
      await waitFor("the clone refused again", () => clone.counters.refusals === 2);
      await waitFor("two refusals logged", () => cloneLog.lines.length >= 2);
      const waits = cloneLog.lines.map((l) => JSON.parse(l)).map((l) => [l.level, l.retryS]);
      assert.deepEqual(waits.slice(0, 2), [
        [50, 0.1],
        [50, 0.2],
      ]);
      assert.equal(clone.connected, false);
      await writeLocal(2);
      await waitFor("the original still forwards", async () => (await onServer()).includes(`line ${n}`));
    } finally {
      await clone.stop();
      await cloneStore.close();
      await f.stop();
    }
    assert.deepEqual(
      [1, 2, 3, 10, 20].map((k) => retryDelayS(2, k)),
      [2, 4, 8, 300, 300],
      "doubling, at most 5 minutes",
    );
    assert.equal(retryDelayS(2, 0), 2, "a network failure waits `retry`");
    assert.equal(retryDelayS(600, 3), 600, "a `retry` over 5 minutes is kept");
  });
});
