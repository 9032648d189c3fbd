import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { ManualClock, systemClock } from "../../core/clock.js";
import { openSqliteStore, type SqliteStore } from "../../store/sqlite/index.js";
import { waitFor } from "../../testing/wait.js";
import { agentSchema } from "../config.js";
import { startTestServer, type TestServer } from "../testing/harness.js";
import { FLEET_JAIL, FleetBans } from "./bans.js";
import { enrollAgent } from "./enroll.js";
import { AgentForwarder } from "./forwarder.js";

const log = pino({ level: "silent" });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fleet-bans-"));
let srv: TestServer;
const stores: SqliteStore[] = [];
const running: Array<{ stop(): Promise<void> }> = [];
const agentClock = new ManualClock(Date.now());

before(async () => {
  srv = await startTestServer({
    clock: systemClock,
    heartbeat: "1s",
    jails: [
      { name: "sshd", scope: "fleet" },
      { name: "web", scope: "group:web" },
      { name: "local", scope: "host" },
    ],
  });
});
after(async () => {
  for (const r of running.reverse()) await r.stop();
  for (const s of stores) await s.close();
  await srv.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function startAgent(name: string, group: string) {
  const dataDir = path.join(tmp, name);
  const e = await enrollAgent({ token: await srv.token({ group }), name, dataDir });
  const store = openSqliteStore(dataDir);
  stores.push(store);
  const config = agentSchema.parse({
    server: `localhost:${srv.port}`,
    id: e.id,
    name,
    ca_fingerprint: srv.server.caFingerprint,
    retry: 0.1,
  });
  const bans = new FleetBans(config, { bans: store.bans, clock: agentClock, log });
  await bans.start();
  const fwd = new AgentForwarder(config, {
    dataDir,
    logs: store.logs,
    clock: systemClock,
    log,
    version: "0.1.0",
    onCommand: (c) => bans.onCommand(c),
  });
  await fwd.start();
  running.push(bans, fwd);
  await waitFor(`${name} connected`, () => fwd.connected);
  return { store, bans, fwd, config };
}

async function banOnServer(jail: string, ip: string, stream = "server", action = "ban") {
  await srv.pipeline.emitAndCommit({
    events: [
      {
        group: "mamori/bans",
        stream,
        timestamp: Date.now(),
        ingestTime: Date.now(),
        message: JSON.stringify({ jail, ip, action, bantime: 600, failures: 5 }),
      },
    ],
    checkpoints: [],
  });
}

const fleetBans = async (s: SqliteStore) => (await s.bans.active(FLEET_JAIL)).map((b) => b.ip).sort();

describe("fleet bans", () => {
  it("a ban of a fleet-scoped jail reaches the agent; group and host scopes and agents' own bans do not", async () => {
    const db = await startAgent("db-1", "db");
    await banOnServer("web", "198.51.100.9"); // group:web — this agent is in db
    await banOnServer("local", "198.51.100.10"); // host
    await banOnServer("sshd", "198.51.100.11", "web-7"); // an agent's own ban, forwarded: not re-pushed
    await banOnServer("sshd", "203.0.113.7");
    await waitFor("the fleet ban on the agent", async () =>
      (await fleetBans(db.store)).includes("203.0.113.7"),
    );
    assert.deepEqual(await fleetBans(db.store), ["203.0.113.7"]);
    await banOnServer("sshd", "203.0.113.7", "server", "unban");
    await waitFor("lifted", async () => (await fleetBans(db.store)).length === 0);
  });

  it("an agent that connects gets the bans in force; its bans persist and expire on its own clock", async () => {
    const now = Date.now();
    await srv.store.bans.add({
      jail: "sshd",
      ip: "192.0.2.44",
      start: now,
      end: now + 600_000,
      failures: 5,
      banCount: 0,
      lines: [],
    });
    await srv.store.bans.add({
      jail: "web",
      ip: "192.0.2.45",
      start: now,
      end: now + 600_000,
      failures: 5,
      banCount: 0,
      lines: [],
    });
    const web = await startAgent("web-1", "web");
    await waitFor("both bans on the web agent", async () => (await fleetBans(web.store)).length === 2);
    assert.deepEqual(await fleetBans(web.store), ["192.0.2.44", "192.0.2.45"]);
    // a restart of the agent's ban part puts them back from its store (the server may be away)
    const again = new FleetBans(web.config, { bans: web.store.bans, clock: agentClock, log });
    await again.start();
    assert.deepEqual(await fleetBans(web.store), ["192.0.2.44", "192.0.2.45"]);
    agentClock.advance(601_000);
    await waitFor("expired on the agent", async () => (await fleetBans(web.store)).length === 0);
    await again.stop();
  });

  it("refuses a ban command whose address is not an IP", async () => {
    const store = openSqliteStore(":memory:");
    const b = new FleetBans(
      agentSchema.parse({ server: "x:1", id: "a", name: "a", ca_fingerprint: "0".repeat(64) }),
      {
        bans: store.bans,
        clock: agentClock,
        log,
      },
    );
    await assert.rejects(b.onCommand({ id: "1", type: "ban", ip: "<script>;rm -rf /" }), /not an IP address/);
    assert.deepEqual(await store.bans.active(), []);
    await store.close();
  });
});
