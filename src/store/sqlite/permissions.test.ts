import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { DB_FILE, openSqliteStore } from "./index.js";

const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);

test("a new data dir is 0700 and the database with its -wal/-shm files 0600, whatever the umask", async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-perm-"));
  const previous = process.umask(0o022);
  try {
    const dataDir = path.join(parent, "data");
    const store = openSqliteStore(dataDir);
    await store.logs.ingest({
      events: [{ group: "g", stream: "s", timestamp: 1, ingestTime: 1, message: "secret" }],
      checkpoints: [],
      metricPoints: [],
    });
    assert.equal(mode(dataDir), "700");
    for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`]) {
      assert.equal(mode(path.join(dataDir, f)), "600", f);
    }
    await store.close();
  } finally {
    process.umask(previous);
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test("an existing data dir with open permissions is fixed on open, each fix logged", async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-perm-"));
  try {
    fs.chmodSync(dataDir, 0o755);
    for (const f of [DB_FILE, `${DB_FILE}-wal`, "notes.txt"]) {
      fs.writeFileSync(path.join(dataDir, f), "");
      fs.chmodSync(path.join(dataDir, f), 0o644);
    }
    fs.rmSync(path.join(dataDir, `${DB_FILE}-wal`)); // an empty -wal is not a valid WAL: start without it
    fs.writeFileSync(path.join(dataDir, "group-readable"), "");
    fs.chmodSync(path.join(dataDir, "group-readable"), 0o640);
    const logged: Array<{ path: string; was: string; now: string }> = [];
    const store = openSqliteStore(dataDir, {
      log: { warn: ((fields: { path: string; was: string; now: string }) => logged.push(fields)) as never },
    });
    await store.close();
    assert.equal(mode(dataDir), "700");
    for (const f of [DB_FILE, "notes.txt", "group-readable"])
      assert.equal(mode(path.join(dataDir, f)), "600", f);
    assert.deepEqual(
      logged.map((l) => `${path.basename(l.path)} ${l.was} -> ${l.now}`).sort(),
      [
        `${path.basename(dataDir)} 0755 -> 0700`,
        `${DB_FILE} 0644 -> 0600`,
        "group-readable 0640 -> 0600",
        "notes.txt 0644 -> 0600",
      ].sort(),
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
