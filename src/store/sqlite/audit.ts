/** The last result of each policy check, so a restarted daemon reports only what changed since. */
import type { AuditResultRecord, AuditStore } from "../store.js";
import type { Db } from "./db.js";

export const auditSchema = [
  `CREATE TABLE IF NOT EXISTS audit_results (
     policy TEXT NOT NULL,
     check_id INTEGER NOT NULL,
     result TEXT NOT NULL,
     reason TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (policy, check_id)) WITHOUT ROWID`,
];

const SELECT =
  "SELECT policy, check_id AS checkId, result, reason, updated_at AS updatedAt FROM audit_results";

export class SqliteAuditStore implements AuditStore {
  constructor(private readonly db: Db) {}

  async results(policy?: string): Promise<AuditResultRecord[]> {
    if (policy === undefined)
      return this.db.prepare<[], AuditResultRecord>(`${SELECT} ORDER BY policy, check_id`).all();
    return this.db
      .prepare<[string], AuditResultRecord>(`${SELECT} WHERE policy = ? ORDER BY check_id`)
      .all(policy);
  }

  async putResults(records: AuditResultRecord[]): Promise<void> {
    const put = this.db.prepare(
      `INSERT INTO audit_results (policy, check_id, result, reason, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (policy, check_id) DO UPDATE SET result = excluded.result, reason = excluded.reason,
         updated_at = excluded.updated_at`,
    );
    this.db.transaction(() => {
      for (const r of records) put.run(r.policy, r.checkId, r.result, r.reason, r.updatedAt);
    })();
  }
}
