import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import type { LogEvent } from "../../core/event.js";
import { openSqliteStore } from "./index.js";

const ev = (group: string, stream: string, timestamp: number, message: string): LogEvent => ({
  group,
  stream,
  timestamp,
  ingestTime: timestamp + 5,
  message,
});

describe("SqliteStore logs", () => {
  it("stores a batch with its checkpoint atomically and reads it back in event order", async () => {
    const store = openSqliteStore(":memory:");
    const stored = await store.logs.ingest({
      events: [ev("g", "s1", 3000, "c"), ev("g", "s1", 1000, "a"), ev("g", "s2", 2000, "b")],
      checkpoints: [{ source: "file:x", key: "1:2", value: '{"offset":42}' }],
      metricPoints: [],
    });
    assert.deepEqual(
      stored.map((e) => e.id),
      [1, 2, 3],
    );
    assert.equal(await store.logs.getCheckpoint("file:x", "1:2"), '{"offset":42}');
    const all = await store.logs.query({ group: "g" });
    assert.deepEqual(
      all.map((e) => e.message),
      ["a", "b", "c"],
    );
    const ranged = await store.logs.query({ group: "g", start: 1500, end: 3000 });
    assert.deepEqual(
      ranged.map((e) => e.message),
      ["b"],
    );
    const s1 = await store.logs.query({ group: "g", streams: ["s1"], limit: 1 });
    assert.deepEqual(
      s1.map((e) => e.message),
      ["a"],
    );
    const streams = await store.logs.streams("g");
    assert.deepEqual(
      streams.map((s) => [s.name, s.firstEventTimestamp, s.lastEventTimestamp, s.storedEvents]),
      [
        ["s1", 1000, 3000, 2],
        ["s2", 2000, 2000, 1],
      ],
    );
    await store.close();
  });

  it("rolls back events and checkpoint together when the batch fails", async () => {
    const store = openSqliteStore(":memory:");
    await store.logs.ingest({
      events: [ev("g", "s", 1, "kept")],
      checkpoints: [{ source: "src", key: "k", value: "1" }],
      metricPoints: [],
    });
    const bad = { ...ev("g", "s", 2, "x"), message: null as unknown as string }; // violates NOT NULL after a good row
    await assert.rejects(
      store.logs.ingest({
        events: [ev("g", "s", 2, "lost with the batch"), bad],
        checkpoints: [{ source: "src", key: "k", value: "2" }],
        metricPoints: [{ namespace: "N", name: "M", dimensions: {}, timestamp: 1, value: 1 }],
      }),
    );
    assert.equal(await store.logs.getCheckpoint("src", "k"), "1");
    assert.deepEqual(
      (await store.logs.query({ group: "g" })).map((e) => e.message),
      ["kept"],
    );
    assert.deepEqual(await store.metrics.list(), []);
    // caches do not outlive the rollback: the same group, stream and metric can be written again
    await store.logs.ingest({
      events: [ev("g", "s", 3, "again")],
      checkpoints: [],
      metricPoints: [{ namespace: "N", name: "M", dimensions: {}, timestamp: 1, value: 1 }],
    });
    assert.equal((await store.metrics.list()).length, 1);
    await store.close();
  });

  it("enforces retention per group", async () => {
    const store = openSqliteStore(":memory:");
    const day = 86_400_000;
    await store.logs.ensureGroup("short", 1, 0);
    await store.logs.ingest({
      events: [ev("short", "s", 0, "old"), ev("short", "s", 2 * day, "new"), ev("forever", "s", 0, "kept")],
      checkpoints: [],
      metricPoints: [],
    });
    assert.equal(await store.logs.enforceRetention(2 * day + 1000), 1);
    assert.deepEqual(
      (await store.logs.query({ group: "short" })).map((e) => e.message),
      ["new"],
    );
    assert.equal((await store.logs.query({ group: "forever" })).length, 1);
    await store.close();
  });

  it("applies the default retention to groups without their own; 0 keeps forever", async () => {
    const store = openSqliteStore(":memory:");
    const day = 86_400_000;
    await store.logs.ensureGroup("forever", 0, 0);
    await store.logs.ensureGroup("week", 7, 0);
    const groups = ["forever", "week", "by-default", "from-a-source"];
    await store.logs.ingest({
      events: groups.flatMap((g) => [ev(g, "s", 0, "day 0"), ev(g, "s", 20 * day, "day 20")]),
      checkpoints: [],
      metricPoints: [],
    });
    assert.equal(await store.logs.enforceRetention(31 * day, 30), 4);
    const left = async (g: string) => (await store.logs.query({ group: g })).map((e) => e.message);
    assert.deepEqual(await left("forever"), ["day 0", "day 20"]);
    assert.deepEqual(await left("week"), []);
    assert.deepEqual(await left("by-default"), ["day 20"]);
    assert.deepEqual(await left("from-a-source"), ["day 20"]);
    await store.close();
  });
});

describe("SqliteStore metrics", () => {
  it("aggregates points into periods with sum, count, min and max", async () => {
    const store = openSqliteStore(":memory:");
    const p = (timestamp: number, value: number) => ({
      namespace: "Security",
      name: "SshPreauth",
      dimensions: {},
      timestamp,
      value,
    });
    await store.logs.ingest({
      events: [],
      checkpoints: [],
      metricPoints: [p(60_000, 1), p(65_000, 3), p(119_999, 2), p(120_000, 7)],
    });
    const stats = await store.metrics.statistics({
      namespace: "Security",
      name: "SshPreauth",
      start: 0,
      end: 180_000,
      period: 60,
    });
    assert.deepEqual(stats, [
      { timestamp: 60_000, sum: 6, sampleCount: 3, minimum: 1, maximum: 3, unit: undefined },
      { timestamp: 120_000, sum: 7, sampleCount: 1, minimum: 7, maximum: 7, unit: undefined },
    ]);
    const tens = await store.metrics.statistics({
      namespace: "Security",
      name: "SshPreauth",
      start: 60_000,
      end: 70_000,
      period: 10,
    });
    assert.equal(tens.length, 1);
    assert.equal(tens[0].sum, 4);
    assert.deepEqual(
      await store.metrics.statistics({
        namespace: "Security",
        name: "SshPreauth",
        dimensions: { a: "b" },
        start: 0,
        end: 1e9,
        period: 60,
      }),
      [],
    );
    await store.close();
  });
});

describe("SqliteStore bans, alarms, deliveries", () => {
  it("persists across reopening the file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-store-"));
    try {
      let store = openSqliteStore(dir);
      await store.bans.add({
        jail: "sshd",
        ip: "192.0.2.1",
        start: 1,
        end: 601,
        failures: 5,
        banCount: 0,
        lines: ["l1"],
      });
      await store.alarms.put({
        name: "a",
        state: "ALARM",
        reason: "r",
        reasonData: null,
        since: 5,
        evaluatedAt: 6,
      });
      await store.alarms.appendHistory({
        name: "a",
        timestamp: 5,
        type: "StateUpdate",
        summary: "to ALARM",
        data: "{}",
      });
      await store.deliveries.record({
        topic: "t",
        subscription: "webhook:x",
        messageId: "m",
        attempt: 1,
        timestamp: 7,
        ok: false,
        error: "down",
        durationMs: 3,
      });
      await store.close();
      store = openSqliteStore(dir);
      assert.deepEqual(await store.bans.active("sshd"), [
        { jail: "sshd", ip: "192.0.2.1", start: 1, end: 601, failures: 5, banCount: 0, lines: ["l1"] },
      ]);
      assert.equal(await store.bans.previousBans("192.0.2.1"), 1);
      assert.equal(await store.bans.remove("sshd", "192.0.2.1"), true);
      assert.equal(await store.bans.remove("sshd", "192.0.2.1"), false);
      assert.equal(await store.bans.previousBans("192.0.2.1", "sshd"), 1);
      assert.equal((await store.alarms.get("a"))?.state, "ALARM");
      assert.equal((await store.alarms.history("a")).length, 1);
      const d = await store.deliveries.list({ topic: "t" });
      assert.equal(d[0].ok, false);
      assert.equal(d[0].error, "down");
      await store.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("SqliteStore page size", () => {
  it("is the one asked for when the store is created, and stays the file's own after that", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-store-"));
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-store-"));
    const pageSize = (s: ReturnType<typeof openSqliteStore>) => s.db.pragma("page_size", { simple: true });
    try {
      let store = openSqliteStore(dir, { pageSize: 16_384 });
      assert.equal(pageSize(store), 16_384);
      await store.logs.ingest({ events: [ev("g", "s", 1, "kept")], checkpoints: [], metricPoints: [] });
      await store.close();
      store = openSqliteStore(dir, { pageSize: 8192 });
      assert.equal(pageSize(store), 16_384, "an existing file keeps its page size");
      assert.deepEqual(
        (await store.logs.query({ group: "g" })).map((e) => e.message),
        ["kept"],
      );
      await store.close();
      store = openSqliteStore(other);
      assert.equal(pageSize(store), 4096, "SQLite's own page size unless asked");
      await store.close();
      store = openSqliteStore(other, { pageSize: 16_384 });
      assert.equal(pageSize(store), 4096, "asked too late: the file has its pages");
      await store.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});

describe("SqliteStore agents", () => {
  it("updates each set of fields with its own kept statement, whatever order the updates come in", async () => {
    const store = openSqliteStore(":memory:");
    await store.agents.addToken({
      id: "t1",
      hash: "h1",
      group: "web",
      uses: 2,
      used: 0,
      expiresAt: 10_000,
      createdAt: 0,
    });
    for (const id of ["ag-1", "ag-2"])
      assert.deepEqual(
        await store.agents.enroll("h1", 1, { id, name: id, certFingerprint: `fp-${id}`, enrolledAt: 1 }),
        { ok: true, group: "web" },
      );
    await store.agents.update("ag-1", { status: "active", lastSeen: 5, address: "192.0.2.1" });
    await store.agents.update("ag-2", {
      lastSeen: 6,
      address: "192.0.2.2",
      version: "0.1.0",
      configVersion: null,
    });
    await store.agents.update("ag-1", {
      lastSeen: 7,
      address: "192.0.2.9",
      version: "0.2.0",
      configVersion: "v2",
    });
    await store.agents.update("ag-2", { status: "disconnected", lastSeen: 8, address: null });
    const [a, b] = [await store.agents.get("ag-1"), await store.agents.get("ag-2")];
    assert.deepEqual(
      [a?.status, a?.lastSeen, a?.address, a?.version, a?.configVersion],
      ["active", 7, "192.0.2.9", "0.2.0", "v2"],
    );
    assert.deepEqual(
      [b?.status, b?.lastSeen, b?.address, b?.version, b?.configVersion],
      ["disconnected", 8, null, "0.1.0", null],
    );
    assert.equal(await store.agents.get("ag-3"), undefined);
    await store.close();
  });
});
