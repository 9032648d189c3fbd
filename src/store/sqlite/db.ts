/**
 * Opens the embedded SQLite database (WAL) and applies the schema. Each domain keeps its tables in its
 * own module; `schemas` lists them in order. Schema statements are idempotent (IF NOT EXISTS), and
 * `user_version` records the schema version for future migrations.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export type Db = Database.Database;

export const SCHEMA_VERSION = 1;

export interface OpenOptions {
  /** bytes per page of a database created now (one that exists keeps its own); default SQLite's 4096 */
  pageSize?: number;
}

export function openDatabase(
  file: string,
  schemas: readonly (readonly string[])[],
  opts: OpenOptions = {},
): Db {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  // only before the first page is written (the WAL switch below writes it)
  if (opts.pageSize !== undefined && db.pragma("page_count", { simple: true }) === 0)
    db.pragma(`page_size = ${opts.pageSize}`);
  db.pragma("journal_mode = WAL");
  // NORMAL in WAL mode: a committed transaction survives a process crash (kill -9); only an OS crash
  // may lose the last commits, never corrupt the file.
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  db.pragma("temp_store = MEMORY");
  db.pragma("cache_size = -65536");
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new Error(
      `${file} was written by a newer mamori (schema ${version} > ${SCHEMA_VERSION}); upgrade mamori or use another data_dir`,
    );
  }
  // IMMEDIATE: the write lock first, waiting for it (busy_timeout). A deferred transaction read the
  // schema, then wrote user_version; when the daemon committed in between, SQLite could not upgrade the
  // stale read and failed at once with "database is locked" (a CLI command opening a busy server's store)
  db.transaction(() => {
    for (const statements of schemas) for (const sql of statements) db.exec(sql);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
  return db;
}
