/**
 * FIM in SQLite: the baseline rows are checkpoints (source `fim:<root>`, see FimStore in store.ts) so they
 * move in the ingest transaction of their events; this module reads them and keeps maintenance windows.
 */
import {
  FIM_BASELINE_KEY,
  FIM_CHECKPOINT_PREFIX,
  FIM_DELETED,
  type FimStore,
  type MaintenanceWindow,
} from "../store.js";
import type { Db } from "./db.js";

export const fimSchema = [
  `CREATE TABLE IF NOT EXISTS fim_maintenance (
     id INTEGER PRIMARY KEY,
     start_ms INTEGER NOT NULL,
     end_ms INTEGER NOT NULL,
     reason TEXT NOT NULL)`,
];

const source = (root: string) => `${FIM_CHECKPOINT_PREFIX}${root}`;

export class SqliteFimStore implements FimStore {
  constructor(private readonly db: Db) {}

  async baseline(root: string): Promise<Map<string, string>> {
    // iterated into the map, never materialised as an array of row objects first: on /usr (140,000
    // rows) the array doubled the check's peak memory
    const out = new Map<string, string>();
    const rows = this.db
      .prepare<[string, string, string], [string, string]>(
        "SELECT key, value FROM checkpoints WHERE source = ? AND key <> ? AND value <> ?",
      )
      .raw()
      .iterate(source(root), FIM_BASELINE_KEY, FIM_DELETED);
    for (const [key, value] of rows) out.set(key, value);
    return out;
  }

  async row(root: string, path: string): Promise<string | undefined> {
    const r = this.db
      .prepare<[string, string], { value: string }>(
        "SELECT value FROM checkpoints WHERE source = ? AND key = ?",
      )
      .get(source(root), path);
    return r && r.value !== FIM_DELETED ? r.value : undefined;
  }

  async baselineUnder(root: string, path: string): Promise<Map<string, string>> {
    // keys below `path` sort between "path/" and "path0" ('0' follows '/')
    const rows = this.db
      .prepare<[string, string, string, string, string], { key: string; value: string }>(
        "SELECT key, value FROM checkpoints WHERE source = ? AND (key = ? OR (key >= ? AND key < ?)) AND value <> ?",
      )
      .all(source(root), path, `${path}/`, `${path}0`, FIM_DELETED);
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  async baselined(root: string): Promise<{ at: number; files: number } | undefined> {
    const row = this.db
      .prepare<[string, string], { value: string }>(
        "SELECT value FROM checkpoints WHERE source = ? AND key = ?",
      )
      .get(source(root), FIM_BASELINE_KEY);
    return row ? (JSON.parse(row.value) as { at: number; files: number }) : undefined;
  }

  async purgeDeleted(root: string): Promise<number> {
    return this.db
      .prepare("DELETE FROM checkpoints WHERE source = ? AND value = ?")
      .run(source(root), FIM_DELETED).changes;
  }

  async unmarkBaseline(root: string): Promise<void> {
    this.db
      .prepare("DELETE FROM checkpoints WHERE source = ? AND key = ?")
      .run(source(root), FIM_BASELINE_KEY);
  }

  async keepOnly(root: string, kept: ReadonlySet<string>): Promise<number> {
    // every kept path has its row: as many rows as kept paths means there is nothing else (counted in
    // SQLite, not read row by row into JavaScript)
    const { n } = this.db
      .prepare<[string, string], { n: number }>(
        "SELECT count(*) AS n FROM checkpoints WHERE source = ? AND key <> ?",
      )
      .get(source(root), FIM_BASELINE_KEY) as { n: number };
    if (n === kept.size) return 0;
    const stale: string[] = [];
    const keys = this.db
      .prepare<[string], [string]>("SELECT key FROM checkpoints WHERE source = ?")
      .raw()
      .iterate(source(root));
    for (const [key] of keys) if (!kept.has(key)) stale.push(key);
    const del = this.db.prepare("DELETE FROM checkpoints WHERE source = ? AND key = ?");
    this.db.transaction(() => {
      for (const key of stale) del.run(source(root), key);
    })();
    return stale.length;
  }

  async addMaintenance(w: MaintenanceWindow): Promise<number> {
    return Number(
      this.db
        .prepare("INSERT INTO fim_maintenance (start_ms, end_ms, reason) VALUES (?, ?, ?)")
        .run(w.start, w.end, w.reason).lastInsertRowid,
    );
  }

  async maintenanceAt(now: number): Promise<MaintenanceWindow | undefined> {
    return this.db
      .prepare<[number, number], MaintenanceWindow>(
        "SELECT id, start_ms AS start, end_ms AS end, reason FROM fim_maintenance WHERE start_ms <= ? AND end_ms > ? ORDER BY end_ms DESC LIMIT 1",
      )
      .get(now, now);
  }

  async maintenanceWindows(limit = 100): Promise<MaintenanceWindow[]> {
    return this.db
      .prepare<[number], MaintenanceWindow>(
        "SELECT id, start_ms AS start, end_ms AS end, reason FROM fim_maintenance ORDER BY id DESC LIMIT ?",
      )
      .all(limit);
  }
}
