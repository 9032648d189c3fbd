import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import type { LogEvent } from "../../core/event.js";
import { LruMap } from "../../core/lru.js";
import { DB_FILE, openSqliteStore } from "./index.js";
import { logsSchema, OVERFLOW_STREAM, STREAMS_SQL } from "./logs.js";

const ev = (stream: string, message: string, group = "g"): LogEvent => ({
  group,
  stream,
  timestamp: 1000,
  ingestTime: 1000,
  message,
});

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "mamori-streams-"));
}

test("a group over its stream limit stores new streams' events in _overflow, counted and reported once", async () => {
  const dir = tempDir();
  const reported: string[] = [];
  const open = () =>
    openSqliteStore(dir, {
      maxStreamsPerGroup: 3,
      onStreamOverflow: (group, stream, max) => reported.push(`${group} ${stream} ${max}`),
    });
  try {
    let store = open();
    const stored = await store.logs.ingest({
      events: ["a", "b", "c", "spoofed-1", "a", "spoofed-2"].map((s, i) => ev(s, `m${i}`)),
      checkpoints: [],
      metricPoints: [],
    });
    assert.deepEqual(
      stored.map((e) => e.stream),
      ["a", "b", "c", OVERFLOW_STREAM, "a", OVERFLOW_STREAM],
    );
    await store.logs.ingest({ events: [ev("other", "x", "g2")], checkpoints: [], metricPoints: [] });
    assert.deepEqual(reported, ["g spoofed-1 3"], "reported once, for the group that overflowed");
    assert.equal(store.logs.counters.stream_overflow_events, 2);
    await store.close();

    // after a restart the limit still holds (counted from the table), and known streams still work
    store = open();
    await store.logs.ingest({
      events: [ev("spoofed-3", "late"), ev("b", "known")],
      checkpoints: [],
      metricPoints: [],
    });
    const streams = await store.logs.streams("g");
    assert.deepEqual(
      streams.map((s) => [s.name, s.storedEvents]),
      [
        [OVERFLOW_STREAM, 3],
        ["a", 2],
        ["b", 2],
        ["c", 1],
      ],
    );
    await store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the stream cache keeps the most recently used entries within its capacity", () => {
  const lru = new LruMap<string, number>(3);
  lru.set("a", 1);
  lru.set("b", 2);
  lru.set("c", 3);
  assert.equal(lru.get("a"), 1); // a is now the youngest
  lru.set("d", 4); // drops b, the least recently used
  assert.equal(lru.size, 3);
  assert.deepEqual(
    ["a", "b", "c", "d"].map((k) => lru.get(k)),
    [1, undefined, 3, 4],
  );
});

test("logs streams counts through the events_by_stream index, also in a database made before it", async () => {
  const dir = tempDir();
  try {
    // a database as an older mamori wrote it: the same tables, without the index
    fs.chmodSync(dir, 0o700);
    const old = new Database(path.join(dir, DB_FILE));
    for (const sql of logsSchema) if (!sql.includes("events_by_stream")) old.exec(sql);
    old.close();

    const store = openSqliteStore(dir, { maxStreamsPerGroup: 100_000 });
    const plan = store.db
      .prepare<[string], { detail: string }>(`EXPLAIN QUERY PLAN ${STREAMS_SQL}`)
      .all("g")
      .map((r) => r.detail);
    assert.ok(
      plan.some((d) => /USING (COVERING )?INDEX events_by_stream/.test(d)),
      `plan: ${plan.join(" | ")}`,
    );
    const events = Array.from({ length: 20_000 }, (_, i) => ev(`host-${i}`, `m${i}`));
    await store.logs.ingest({ events, checkpoints: [], metricPoints: [] });
    const streams = await store.logs.streams("g");
    assert.equal(streams.length, 20_000);
    assert.ok(streams.every((s) => s.storedEvents === 1));
    await store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
