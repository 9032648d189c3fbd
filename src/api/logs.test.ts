/**
 * Paging of the event search over real SQLite, both ways: term patterns through the store's SQL
 * prefilter (search.ts), other patterns (and stores without `search`) scanned here. Every match once, in
 * event order, across pages and ties; a page that hits its scan bound ends early with a `next`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openSqliteStore } from "../store/sqlite/index.js";
import type { LogStore } from "../store/store.js";
import { compileOr422, decodeNext, MAX_SCANNED, searchEvents } from "./routes/logs.js";
import { requiredTexts } from "./search.js";

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

type Logs = Pick<LogStore, "query" | "search">;

async function all(logs: Logs, pattern: string | undefined, limit: number, streams?: string[]) {
  const out: string[] = [];
  let after: { ts: number; id: number } | undefined;
  let pages = 0;
  for (;;) {
    const page = await searchEvents(logs, { group: "g", limit, after, streams }, compileOr422(pattern));
    out.push(...page.events.map((e) => e.message));
    pages++;
    if (!page.next) return { out, pages };
    after = decodeNext(page.next);
  }
}

describe("event search paging", () => {
  it("finds the texts a term pattern requires", () => {
    assert.deepEqual(requiredTexts('"Invalid user" admin -root'), ["Invalid user", "admin"]);
    assert.deepEqual(requiredTexts("?a ?b"), []);
    assert.deepEqual(requiredTexts("{ $.a = 1 }"), []);
    assert.deepEqual(requiredTexts("%fail[a-z]*%"), []);
  });

  it("returns every match once, in event-time order, with many events on one timestamp (both paths)", async () => {
    // 3 events per millisecond, stored out of order
    const store = await storeWith(
      2500,
      (i) => `line ${i} ${i % 3 === 0 ? "hit" : "miss"}`,
      (i) => 1000 + Math.floor((2499 - i) / 3),
    );
    const ordered = (await store.logs.query({ group: "g", limit: 10_000 })).map((e) => e.message);
    const jsOnly: Logs = { query: store.logs.query.bind(store.logs) };
    for (const logs of [store.logs, jsOnly]) {
      const got = await all(logs, "hit", 37);
      assert.deepEqual(
        got.out,
        ordered.filter((m) => m.endsWith("hit")),
      );
      assert.ok(got.pages >= 834 / 37);
      // an excluded term is applied to the prefilter's candidates
      const some = await all(logs, 'hit -"line 3"', 50);
      assert.deepEqual(
        some.out,
        ordered.filter((m) => m.endsWith("hit") && !m.includes("line 3")),
      );
      const inStream = await all(logs, "hit", 100, ["a"]);
      assert.equal(inStream.out.length, 417);
    }
    const everything = await all(store.logs, undefined, 1000);
    assert.equal(new Set(everything.out).size, 2500);
  });

  it("ends a page after its scan bound with fewer matches and a next that goes on", async () => {
    const n = MAX_SCANNED + 5000;
    const store = await storeWith(
      n,
      (i) => (i === 10 || i === n - 1 ? "rare one" : "common line"),
      (i) => i,
    );
    const jsOnly: Logs = { query: store.logs.query.bind(store.logs) };
    const first = await searchEvents(jsOnly, { group: "g", limit: 100 }, compileOr422("rare"));
    assert.equal(first.events.length, 1);
    assert.equal(first.scanned, MAX_SCANNED);
    assert.ok(first.next);
    const second = await searchEvents(
      jsOnly,
      { group: "g", limit: 100, after: decodeNext(first.next) },
      compileOr422("rare"),
    );
    assert.deepEqual(
      second.events.map((e) => e.timestamp),
      [n - 1],
    );
    assert.equal(second.next, null);
    // the store's own bound: 1000 events read, one candidate, and where to go on
    const r = await store.logs.search({ group: "g", contains: ["rare"], limit: 100, scanLimit: 1000 });
    assert.deepEqual(
      r.events.map((e) => e.timestamp),
      [10],
    );
    assert.deepEqual([r.lastRead?.ts, r.exhausted], [999, false]);
    const rest = await store.logs.search({
      group: "g",
      contains: ["rare"],
      limit: 100,
      scanLimit: n,
      afterKey: r.lastRead,
      start: r.lastRead?.ts,
    });
    assert.deepEqual(
      rest.events.map((e) => e.timestamp),
      [n - 1],
    );
    assert.equal(rest.exhausted, true);
  });
});
