/**
 * A second process (a CLI command) opens the store while the daemon is writing: it waits for the write
 * lock instead of failing with "database is locked". The writer here is a real child process holding a
 * write transaction with a change in it; the store is opened while that transaction is open.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openSqliteStore } from "./index.js";

const dir = mkdtempSync(path.join(tmpdir(), "mamori-open-busy-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Node code for the child: a write transaction with a change, "ready" on stdout, commit after holdMs. */
const WRITER = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2]);
db.exec("BEGIN IMMEDIATE");
db.prepare("INSERT INTO log_groups (name, retention_days, created_at) VALUES ('from-the-daemon', NULL, 0)").run();
process.stdout.write("ready\\n");
setTimeout(() => { db.exec("COMMIT"); db.close(); }, Number(process.argv[3]));
`;

test("opening the store while another process holds a write transaction waits for it, then works", async () => {
  await openSqliteStore(dir).close();
  const file = path.join(dir, "mamori.db");
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const child = spawn(process.execPath, ["-e", WRITER, driver, file, "700"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((r) => child.on("exit", r));
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  // synchronous: blocks this thread until the child commits (busy_timeout 5 s)
  const store = openSqliteStore(dir);
  try {
    const groups = await store.logs.groups();
    assert.ok(
      groups.some((g) => g.name === "from-the-daemon"),
      "the writer's commit is seen",
    );
  } finally {
    await store.close();
  }
  assert.equal(await exited, 0);
});
