import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { DB_FILE, openSqliteStore } from "../store/sqlite/index.js";
import { REPLAY_CACHE_SIZE, ReplayTransaction } from "./transaction.js";

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

  it("a kill -9 between commits leaves the data dir as of the last commit, in WAL mode again once opened", async () => {
    const d = path.join(dir, "killed");
    const child = path.join(dir, "child.mts");
    const here = path.dirname(fileURLToPath(import.meta.url));
    fs.writeFileSync(
      child,
      `import { openSqliteStore } from ${JSON.stringify(path.join(here, "../store/sqlite/index.ts"))};
import { ReplayTransaction } from ${JSON.stringify(path.join(here, "transaction.ts"))};
const store = openSqliteStore(${JSON.stringify(d)});
const tx = new ReplayTransaction(store.db, 2);
tx.start();
const ev = (i: number) => ({ group: "auth", stream: "s", timestamp: i * 60_000, ingestTime: i * 60_000, message: "line " + i });
for (let i = 1; i <= 5; i++) {
  await store.logs.ingest({ events: [ev(i)], checkpoints: [], metricPoints: [] });
  tx.stored(1, true, i * 60_000);
}
process.kill(process.pid, "SIGKILL");
`,
    );
    const r = spawnSync(process.execPath, ["--import", "tsx", child], { encoding: "utf8" });
    assert.equal(r.signal, "SIGKILL", r.stderr);
    const store = openSqliteStore(d);
    try {
      assert.deepEqual(
        store.db.prepare("SELECT message FROM events ORDER BY id").pluck().all(),
        ["line 1", "line 2", "line 3", "line 4"],
        "commits after events 2 and 4; event 5 was in the open transaction",
      );
      assert.equal(store.db.pragma("journal_mode", { simple: true }), "wal");
    } finally {
      await store.close();
    }
  });

  it("finish commits what is pending and leaves the store in autocommit", async () => {
    const d = path.join(dir, "finish");
    const store = openSqliteStore(d);
    const tx = new ReplayTransaction(store.db);
    const cacheSize = () => store.db.pragma("cache_size", { simple: true });
    const before = cacheSize();
    tx.start();
    assert.equal(cacheSize(), REPLAY_CACHE_SIZE, "a small page cache while replaying");
    assert.equal(store.db.pragma("synchronous", { simple: true }), 0, "no fsync while replaying");
    await store.logs.ingest({ events: [event(1)], checkpoints: [], metricPoints: [] });
    tx.stored(1, true, 60_000);
    assert.equal(store.db.inTransaction, true);
    tx.finish(60_000);
    assert.equal(store.db.inTransaction, false);
    assert.equal(cacheSize(), before, "the store's page cache again");
    assert.equal(store.db.pragma("synchronous", { simple: true }), 1, "synchronous = NORMAL again");
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
