/** Paging of the event search over real SQLite: every match once, in event order, across pages and ties. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openSqliteStore } from "../store/sqlite/index.js";
import { compileOr422, decodeNext, MAX_SCANNED, searchEvents } from "./routes/logs.js";

async function storeWith(n: number, message: (i: number) => string, ts: (i: number) => number) {
  const store = openSqliteStore(":memory:");
  const events = Array.from({ length: n }, (_, i) => ({
    group: "g",
    stream: i % 2 ? "a" : "b",
    timestamp: ts(i),
    ingestTime: 0,
    message: message(i),
  }));
  for (let i = 0; i < n; i += 5000)
    await store.logs.ingest({ events: events.slice(i, i + 5000), checkpoints: [], metricPoints: [] });
  return store;
}

async function all(store: Awaited<ReturnType<typeof storeWith>>, pattern: string | undefined, limit: number) {
  const out: string[] = [];
  let after: { ts: number; id: number } | undefined;
  let pages = 0;
  for (;;) {
    const page = await searchEvents(store.logs, { group: "g", limit, after }, compileOr422(pattern));
    out.push(...page.events.map((e) => e.message));
    pages++;
    if (!page.next) return { out, pages };
    after = decodeNext(page.next);
  }
}

describe("event search paging", () => {
  it("returns every match once, in event-time order, with many events on one timestamp", async () => {
    // 3 events per millisecond, stored out of order
    const store = await storeWith(
      2500,
      (i) => `line ${i} ${i % 3 === 0 ? "hit" : "miss"}`,
      (i) => 1000 + Math.floor((2499 - i) / 3),
    );
    const want = (await store.logs.query({ group: "g", limit: 10_000 }))
      .map((e) => e.message)
      .filter((m) => m.endsWith("hit"));
    const got = await all(store, "hit", 37);
    assert.equal(got.out.length, 834);
    assert.deepEqual(got.out, want);
    assert.ok(got.pages >= 834 / 37);
    const everything = await all(store, undefined, 1000);
    assert.equal(everything.out.length, 2500);
    assert.equal(new Set(everything.out).size, 2500);
  });

  it("ends a page after MAX_SCANNED events with fewer matches and a next that goes on", async () => {
    const n = MAX_SCANNED + 5000;
    const store = await storeWith(
      n,
      (i) => (i === 10 || i === n - 1 ? "rare one" : "common line"),
      (i) => i,
    );
    const first = await searchEvents(store.logs, { group: "g", limit: 100 }, compileOr422("rare"));
    assert.equal(first.events.length, 1);
    assert.equal(first.scanned, MAX_SCANNED);
    assert.ok(first.next);
    const second = await searchEvents(
      store.logs,
      { group: "g", limit: 100, after: decodeNext(first.next) },
      compileOr422("rare"),
    );
    assert.deepEqual(
      second.events.map((e) => e.timestamp),
      [n - 1],
    );
    assert.equal(second.next, null);
  });
});
