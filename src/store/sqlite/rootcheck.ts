/** What rootcheck remembers between runs: the SUID/SGID baseline of each scanned root. */
import type { RootcheckStore, SuidEntry } from "../store.js";
import type { Db } from "./db.js";

export const rootcheckSchema = [
  `CREATE TABLE IF NOT EXISTS rootcheck_suid_baselines (
     scope TEXT PRIMARY KEY,
     taken_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS rootcheck_suid (
     scope TEXT NOT NULL,
     path TEXT NOT NULL,
     mode INTEGER NOT NULL,
     uid INTEGER NOT NULL,
     PRIMARY KEY (scope, path))`,
];

export class SqliteRootcheckStore implements RootcheckStore {
  constructor(private readonly db: Db) {}

  async suidBaseline(scope: string): Promise<Map<string, SuidEntry> | undefined> {
    const taken = this.db.prepare("SELECT 1 FROM rootcheck_suid_baselines WHERE scope = ?").get(scope);
    if (!taken) return undefined;
    const rows = this.db
      .prepare<[string], { path: string; mode: number; uid: number }>(
        "SELECT path, mode, uid FROM rootcheck_suid WHERE scope = ?",
      )
      .all(scope);
    return new Map(rows.map((r) => [r.path, { mode: r.mode, uid: r.uid }]));
  }

  async putSuidBaseline(scope: string, entries: ReadonlyMap<string, SuidEntry>, now: number): Promise<void> {
    const insert = this.db.prepare("INSERT INTO rootcheck_suid (scope, path, mode, uid) VALUES (?, ?, ?, ?)");
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM rootcheck_suid WHERE scope = ?").run(scope);
      for (const [path, e] of entries) insert.run(scope, path, e.mode, e.uid);
      this.db
        .prepare(
          "INSERT INTO rootcheck_suid_baselines (scope, taken_at) VALUES (?, ?) ON CONFLICT(scope) DO UPDATE SET taken_at = excluded.taken_at",
        )
        .run(scope, now);
    })();
  }
}
