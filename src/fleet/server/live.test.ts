import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../../core/clock.js";
import { waitFor } from "../../testing/wait.js";
import { enrollAgent } from "../agent/enroll.js";
import { agentSession, freezableProxy, openCommands, request } from "../testing/client.js";
import { startTestServer, type TestServer } from "../testing/harness.js";
import { revokeAgent } from "./registry.js";

const clock = new ManualClock(Date.UTC(2026, 11, 2, 12));
let srv: TestServer;
let agentId: string;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fleet-live-"));
const agentDir = path.join(tmp, "agent");

before(async () => {
  srv = await startTestServer({ clock, heartbeat: "10s" });
  agentId = (
    await enrollAgent({ token: await srv.token({ group: "web" }), name: "web-1", dataDir: agentDir })
  ).id;
});
after(async () => {
  await srv.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function agentEvents(): Promise<Array<Record<string, unknown>>> {
  await srv.pipeline.flushed();
  return (await srv.store.logs.query({ group: "mamori/agents", orderById: true })).map((e) =>
    JSON.parse(e.message),
  );
}
const status = async () => (await srv.store.agents.get(agentId))?.status;

describe("fleet server: live agents", () => {
  it("an agent with an open command stream is active; silent for 3 beats it is disconnected", async () => {
    const s = await agentSession(agentDir, srv.port);
    const c = await openCommands(s);
    assert.equal(c.status, 200);
    assert.deepEqual(JSON.parse(c.first), { type: "hello", id: "0", heartbeat: 10 });
    assert.equal(await status(), "active");
    const beat = await request(s, "POST", "/v1/heartbeat", {
      version: "0.1.0",
      configVersion: "v1",
      counters: { sent: 3 },
    });
    assert.equal(beat.status, 200);
    assert.equal((await srv.store.agents.get(agentId))?.configVersion, "v1");
    clock.advance(20_000);
    assert.equal(await status(), "active", "two missed beats are not enough");
    clock.advance(10_000);
    await waitFor("disconnected", async () => (await status()) === "disconnected");
    const events = await agentEvents();
    assert.deepEqual(
      events.map((e) => e.event),
      ["enrolled", "connected", "disconnected"],
    );
    assert.match(String(events[2].reason), /no heartbeat for 3 periods/);
    s.destroy();
  });

  it("refuses a second live connection with the same certificate as clone_suspected", async () => {
    const one = await agentSession(agentDir, srv.port);
    assert.equal((await openCommands(one)).status, 200);
    const two = await agentSession(agentDir, srv.port);
    const second = await openCommands(two);
    assert.equal(second.status, 409);
    assert.match(second.first, /clone suspected/);
    const events = await agentEvents();
    assert.ok(events.some((e) => e.event === "clone_suspected" && e.agent === agentId));
    assert.ok(srv.log.has(/clone suspected/));
    two.destroy();
    one.destroy();
    await waitFor("the first one's close seen", async () => (await status()) === "disconnected");
  });

  it("a new connection replaces one that stopped answering (half-open after a power loss or new address): no clone alarm", async () => {
    const clones = (await agentEvents()).filter((e) => e.event === "clone_suspected").length;
    const proxy = await freezableProxy(srv.port);
    const old = await agentSession(agentDir, proxy.port);
    assert.equal((await openCommands(old)).status, 200);
    proxy.freeze();
    const timers = clock.pending();
    const fresh = await agentSession(agentDir, srv.port);
    const opening = openCommands(fresh);
    await waitFor("the server asking the old connection (a PING)", () => clock.pending() > timers);
    clock.advance(10_000); // a heartbeat period without an answer
    assert.equal((await opening).status, 200);
    assert.equal(await status(), "active");
    const events = await agentEvents();
    assert.deepEqual(
      events.slice(-2).map((e) => e.event),
      ["disconnected", "connected"],
    );
    assert.match(String(events.at(-2)?.reason), /stopped answering; replaced by a new one from 127\.0\.0\.1/);
    assert.equal(events.filter((e) => e.event === "clone_suspected").length, clones);
    fresh.destroy();
    old.destroy();
    await proxy.close();
    await waitFor("the new one's close seen", async () => (await status()) === "disconnected");
  });

  it("a revoked agent's live connection is closed and its next request refused", async () => {
    const s = await agentSession(agentDir, srv.port);
    const c = await openCommands(s);
    assert.equal(c.status, 200);
    assert.ok(await revokeAgent(srv.store.agents, agentId));
    const ended = new Promise<void>((r) => c.stream.on("close", () => r()));
    clock.advance(10_000);
    await ended;
    assert.equal(await status(), "revoked");
    const again = await agentSession(agentDir, srv.port);
    const r = await request(again, "POST", "/v1/heartbeat", {});
    assert.equal(r.status, 403);
    assert.match(String(r.json.error), /revoked/);
    again.destroy();
    assert.ok((await agentEvents()).some((e) => e.event === "revoked"));
  });
});
