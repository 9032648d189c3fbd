import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import type { LogEvent, StoredEvent } from "../core/event.js";
import type { IngestBatch } from "../store/store.js";
import { Pipeline } from "./pipeline.js";

const silent = pino({ level: "silent" });
const ev = (message: string, timestamp = 1): LogEvent => ({
  group: "g",
  stream: "s",
  timestamp,
  ingestTime: timestamp,
  message,
});

/** An in-memory ingest that records transactions; `gate` holds commits until released. */
function fakeLogs() {
  const batches: IngestBatch[] = [];
  let nextId = 1;
  let gate: Promise<void> = Promise.resolve();
  let fail = false;
  return {
    batches,
    hold() {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => release();
    },
    failNext() {
      fail = true;
    },
    async ingest(b: IngestBatch): Promise<StoredEvent[]> {
      await gate;
      if (fail) {
        fail = false;
        throw new Error("disk full");
      }
      batches.push(b);
      return b.events.map((e) => ({ ...e, id: nextId++ }));
    },
  };
}

describe("Pipeline", () => {
  it("commits events, checkpoints and metric points of a batch together, then feeds consumers in order", async () => {
    const logs = fakeLogs();
    const p = new Pipeline({ logs, log: silent });
    p.addExtractor((events) =>
      events
        .filter((e) => e.message.includes("[preauth]"))
        .map((e) => ({ namespace: "S", name: "P", dimensions: {}, timestamp: e.timestamp, value: 1 })),
    );
    const seen: string[] = [];
    p.addConsumer({ name: "c", onEvents: (es) => seen.push(...es.map((e) => `${e.id}:${e.message}`)) });
    await p.emitAndCommit({
      events: [ev("a"), ev("closed [preauth]")],
      checkpoints: [{ source: "f", key: "k", value: "2" }],
    });
    assert.equal(logs.batches.length, 1);
    assert.deepEqual(logs.batches[0].checkpoints, [{ source: "f", key: "k", value: "2" }]);
    assert.equal(logs.batches[0].metricPoints.length, 1);
    assert.deepEqual(seen, ["1:a", "2:closed [preauth]"]);
  });

  it("makes emit wait while the queue is full (backpressure) and never holds more than its capacity", async () => {
    const logs = fakeLogs();
    const release = logs.hold();
    const p = new Pipeline({ logs, log: silent, maxQueuedEvents: 4, maxBatchEvents: 2 });
    await p.emit({ events: [ev("1"), ev("2")], checkpoints: [] });
    await p.emit({ events: [ev("3"), ev("4")], checkpoints: [] });
    let third = false;
    const pending = p.emit({ events: [ev("5")], checkpoints: [] }).then(() => {
      third = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(third, false, "emit must wait while 4 events are queued");
    assert.ok(p.counters.queuedEvents <= 4);
    release();
    await pending;
    await p.flushed();
    assert.equal(third, true);
    assert.deepEqual(
      logs.batches.flatMap((b) => b.events.map((e) => e.message)),
      ["1", "2", "3", "4", "5"],
    );
  });

  it("rejects `committed` when the store fails and counts it; later batches still go through", async () => {
    const logs = fakeLogs();
    const p = new Pipeline({ logs, log: silent });
    logs.failNext();
    await assert.rejects(p.emitAndCommit({ events: [ev("x")], checkpoints: [] }), /disk full/);
    await p.emitAndCommit({ events: [ev("y")], checkpoints: [] });
    assert.equal(p.counters.ingestErrors, 1);
    assert.equal(p.counters.committedEvents, 1);
  });

  it("hands refused events to the consumers once, however often their source sends them again", async () => {
    const logs = fakeLogs();
    const p = new Pipeline({ logs, log: silent });
    const seen: string[] = [];
    p.addConsumer({ name: "c", onEvents: (es) => seen.push(...es.map((e) => `${e.id}:${e.message}`)) });
    const attempts = [
      { fail: true, events: ["a", "dup", "dup"] },
      // a file source re-reads from its checkpoint: the same lines and the ones written since
      { fail: true, events: ["a", "dup", "dup", "b"] },
      // the store is back: the re-read commits; only what no consumer saw yet is handed over
      { fail: false, events: ["a", "dup", "dup", "b", "c"] },
      { fail: false, events: ["a"] },
    ];
    for (const a of attempts) {
      if (a.fail) logs.failNext();
      const done = p.emitAndCommit({ events: a.events.map((m) => ev(m)), checkpoints: [] });
      if (a.fail) await assert.rejects(done, /disk full/);
      else await done;
    }
    assert.deepEqual(seen, ["-1:a", "-1:dup", "-1:dup", "-1:b", "5:c", "6:a"]);
    assert.equal(p.counters.lostEvents, 4, "each refused event counted once");
    assert.equal(p.counters.ingestErrors, 2);
  });

  it("cuts messages over 256 KiB at a character boundary and counts them", async () => {
    const logs = fakeLogs();
    const p = new Pipeline({ logs, log: silent });
    const long = `${"é".repeat(200_000)}tail`; // 400,004 bytes of UTF-8
    await p.emitAndCommit({ events: [ev(long), ev("short")], checkpoints: [] });
    const stored = logs.batches[0].events;
    assert.equal(Buffer.byteLength(stored[0].message), 256 * 1024);
    assert.ok(!stored[0].message.includes("\uFFFD"));
    assert.equal(stored[1].message, "short");
    assert.equal(p.counters.truncatedMessages, 1);
  });

  it("an event time out of range (2^53-1, NaN, before 1970) is stored as the ingest time and counted", async () => {
    const logs = fakeLogs();
    const p = new Pipeline({ logs, log: silent });
    const at = (timestamp: number): LogEvent => ({ ...ev("m"), timestamp, ingestTime: 1_700_000_000_000 });
    const times = [2 ** 53 - 1, 1e16, Number.NaN, -1, Date.UTC(9999, 11, 31, 23, 59, 59, 999), 0];
    await p.emitAndCommit({ events: times.map(at), checkpoints: [] });
    assert.deepEqual(
      logs.batches[0].events.map((e) => e.timestamp),
      [1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_000, times[4], 0],
    );
    assert.equal(p.counters.clampedTimestamps, 4);
  });

  it("keeps going when a consumer throws", async () => {
    const logs = fakeLogs();
    const p = new Pipeline({ logs, log: silent });
    const seen: number[] = [];
    p.addConsumer({
      name: "bad",
      onEvents: () => {
        throw new Error("boom");
      },
    });
    p.addConsumer({ name: "good", onEvents: (es) => seen.push(es.length) });
    await p.emitAndCommit({ events: [ev("a")], checkpoints: [] });
    assert.deepEqual(seen, [1]);
    assert.equal(p.counters.consumerErrors, 1);
  });
});
