import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { DB_FILE, openSqliteStore } from "../store/sqlite/index.js";
import { ReplayTransaction } from "./transaction.js";

const event = (i: number) => ({
  group: "auth",
  stream: "auth.log",
  timestamp: 60_000 * i,
  ingestTime: 60_000 * i,
  message: `line ${i}`,
});

describe("the replay's write transaction", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-replay-tx-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("commits at a new minute once enough events are pending; a stop before the next commit leaves the last one", async () => {
    const store = openSqliteStore(dir);
    const tx = new ReplayTransaction(store.db, 3);
    const seen = () => {
      const other = new Database(path.join(dir, DB_FILE), { readonly: true });
      try {
        return other.prepare("SELECT message FROM events ORDER BY id").pluck().all();
      } finally {
        other.close();
      }
    };
    tx.start();
    for (const i of [1, 2]) {
      await store.logs.ingest({ events: [event(i)], checkpoints: [], metricPoints: [] });
      tx.stored(1, true, 60_000 * i);
    }
    assert.deepEqual(seen(), [], "2 events pending, under 3: nothing committed yet");
    await store.logs.ingest({ events: [event(3)], checkpoints: [], metricPoints: [] });
    tx.stored(1, false, 180_000);
    assert.deepEqual(seen(), [], "enough events, but inside a minute: not yet");
    await store.logs.ingest({ events: [event(4)], checkpoints: [], metricPoints: [] });
    tx.stored(1, true, 240_000);
    assert.deepEqual(seen(), ["line 1", "line 2", "line 3", "line 4"], "committed at the new minute");
    await store.logs.ingest({ events: [event(5)], checkpoints: [], metricPoints: [] });
    assert.deepEqual(seen().length, 4, "the next transaction is open");
    // what a kill leaves: the store closes with the transaction open (SQLite rolls it back)
    await store.close();
    assert.deepEqual(seen(), ["line 1", "line 2", "line 3", "line 4"]);
  });

  it("finish commits what is pending and leaves the store in autocommit", async () => {
    const d = path.join(dir, "finish");
    const store = openSqliteStore(d);
    const tx = new ReplayTransaction(store.db);
    tx.start();
    await store.logs.ingest({ events: [event(1)], checkpoints: [], metricPoints: [] });
    tx.stored(1, true, 60_000);
    assert.equal(store.db.inTransaction, true);
    tx.finish(60_000);
    assert.equal(store.db.inTransaction, false);
    await store.close();
    const db = new Database(path.join(d, DB_FILE), { readonly: true });
    assert.equal(db.prepare("SELECT count(*) FROM events").pluck().get(), 1);
    db.close();
  });

  it("says what the data dir holds when the store rolled the transaction back", async () => {
    const d = path.join(dir, "rolled-back");
    const store = openSqliteStore(d);
    const tx = new ReplayTransaction(store.db, 1);
    tx.start();
    tx.stored(1, true, Date.UTC(2025, 2, 10, 10, 0));
    store.db.exec("ROLLBACK"); // as SQLite does itself on a full disk
    assert.throws(
      () => tx.stored(2, true, Date.UTC(2025, 2, 10, 10, 5)),
      /rolled back the replay's last 2 events .* holds the replay up to 2025-03-10T10:00:00.000Z/,
    );
    await store.close();
  });
});
