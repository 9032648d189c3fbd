/** Fleet enrollment tokens (hashed, with uses and expiry) and the agents they enrolled. */
import type Database from "better-sqlite3";
import type {
  AgentRecord,
  AgentStore,
  CheckRequest,
  CheckResult,
  EnrollToken,
  HostCheckName,
  TokenRefusal,
} from "../store.js";
import type { Db } from "./db.js";

export const agentsSchema = [
  `CREATE TABLE IF NOT EXISTS enroll_tokens (
     id TEXT PRIMARY KEY,
     hash TEXT NOT NULL UNIQUE,
     grp TEXT NOT NULL,
     uses INTEGER NOT NULL,
     used INTEGER NOT NULL DEFAULT 0,
     expires_at INTEGER NOT NULL,
     created_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS agents (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     grp TEXT NOT NULL,
     status TEXT NOT NULL,
     cert_fingerprint TEXT NOT NULL,
     enrolled_at INTEGER NOT NULL,
     last_seen INTEGER,
     address TEXT,
     version TEXT,
     config_version TEXT)`,
  `CREATE TABLE IF NOT EXISTS check_requests (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     check_name TEXT NOT NULL,
     target TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     sent_at INTEGER)`,
  `CREATE INDEX IF NOT EXISTS check_requests_unsent ON check_requests (id) WHERE sent_at IS NULL`,
  `CREATE TABLE IF NOT EXISTS check_results (
     request_id INTEGER NOT NULL,
     agent_id TEXT NOT NULL,
     name TEXT NOT NULL,
     ok INTEGER,
     error TEXT,
     at INTEGER,
     PRIMARY KEY (request_id, agent_id))`,
];

const SELECT_TOKEN =
  'SELECT id, hash, grp AS "group", uses, used, expires_at AS expiresAt, created_at AS createdAt FROM enroll_tokens';
const SELECT_AGENT = `SELECT id, name, grp AS "group", status, cert_fingerprint AS certFingerprint, enrolled_at AS enrolledAt,
  last_seen AS lastSeen, address, version, config_version AS configVersion FROM agents`;

const SELECT_CHECK =
  'SELECT id, check_name AS "check", target, created_at AS createdAt, sent_at AS sentAt FROM check_requests';

type CheckRow = Omit<CheckRequest, "target"> & { target: string };
const checkOf = (r: CheckRow): CheckRequest => ({ ...r, target: JSON.parse(r.target) });

const COLUMNS: Record<string, string> = {
  status: "status",
  lastSeen: "last_seen",
  address: "address",
  version: "version",
  configVersion: "config_version",
  certFingerprint: "cert_fingerprint",
};

export class SqliteAgentStore implements AgentStore {
  /**
   * Statements of the per-request paths (every fleet request looks its agent up, every beat updates it),
   * prepared once: preparing them on each call cost the fleet server more than running them.
   */
  private readonly byId;
  private readonly updates = new Map<string, Database.Statement<unknown[]>>();

  constructor(private readonly db: Db) {
    this.byId = db.prepare<[string], AgentRecord>(`${SELECT_AGENT} WHERE id = ?`);
  }

  async addToken(t: EnrollToken): Promise<void> {
    this.db
      .prepare(
        "INSERT INTO enroll_tokens (id, hash, grp, uses, used, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(t.id, t.hash, t.group, t.uses, t.used, t.expiresAt, t.createdAt);
  }

  async tokens(): Promise<EnrollToken[]> {
    return this.db.prepare<[], EnrollToken>(`${SELECT_TOKEN} ORDER BY created_at, id`).all();
  }

  async removeToken(id: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM enroll_tokens WHERE id = ?").run(id).changes > 0;
  }

  async enroll(
    tokenHash: string,
    now: number,
    agent: Pick<AgentRecord, "id" | "name" | "certFingerprint" | "enrolledAt">,
  ): Promise<{ ok: true; group: string } | { ok: false; reason: TokenRefusal }> {
    return this.db.transaction(() => {
      const t = this.db.prepare<[string], EnrollToken>(`${SELECT_TOKEN} WHERE hash = ?`).get(tokenHash);
      if (!t) return { ok: false as const, reason: "unknown" as const };
      if (t.expiresAt <= now) return { ok: false as const, reason: "expired" as const };
      if (t.used >= t.uses) return { ok: false as const, reason: "used_up" as const };
      this.db.prepare("UPDATE enroll_tokens SET used = used + 1 WHERE id = ?").run(t.id);
      this.db
        .prepare(
          "INSERT INTO agents (id, name, grp, status, cert_fingerprint, enrolled_at) VALUES (?, ?, ?, 'never_connected', ?, ?)",
        )
        .run(agent.id, agent.name, t.group, agent.certFingerprint, agent.enrolledAt);
      return { ok: true as const, group: t.group };
    })();
  }

  async get(id: string): Promise<AgentRecord | undefined> {
    return this.byId.get(id);
  }

  async list(): Promise<AgentRecord[]> {
    return this.db.prepare<[], AgentRecord>(`${SELECT_AGENT} ORDER BY enrolled_at, id`).all();
  }

  async update(id: string, fields: Parameters<AgentStore["update"]>[1]): Promise<void> {
    const keys = Object.keys(fields).filter((k) => k in COLUMNS) as (keyof typeof fields)[];
    if (keys.length === 0) return;
    const sets = keys.map((k) => `${COLUMNS[k]} = ?`).join(", ");
    // one statement per set of columns (a handful: the keys of COLUMNS), kept
    let stmt = this.updates.get(sets);
    if (!stmt) {
      stmt = this.db.prepare<unknown[]>(`UPDATE agents SET ${sets} WHERE id = ?`);
      this.updates.set(sets, stmt);
    }
    stmt.run(...keys.map((k) => fields[k] ?? null), id);
  }

  async requestCheck(check: HostCheckName, target: CheckRequest["target"], now: number): Promise<number> {
    const r = this.db
      .prepare("INSERT INTO check_requests (check_name, target, created_at) VALUES (?, ?, ?)")
      .run(check, JSON.stringify(target), now);
    return Number(r.lastInsertRowid);
  }

  async unsentChecks(): Promise<CheckRequest[]> {
    return this.db
      .prepare<[], CheckRow>(`${SELECT_CHECK} WHERE sent_at IS NULL ORDER BY id LIMIT 100`)
      .all()
      .map(checkOf);
  }

  async checkSent(id: number, now: number, results: Parameters<AgentStore["checkSent"]>[2]): Promise<void> {
    const insert = this.db.prepare(
      "INSERT OR REPLACE INTO check_results (request_id, agent_id, name, ok, error, at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.db.transaction(() => {
      this.db.prepare("UPDATE check_requests SET sent_at = ? WHERE id = ?").run(now, id);
      for (const r of results)
        insert.run(id, r.agent, r.name, r.ok == null ? null : r.ok ? 1 : 0, r.error ?? null, r.at ?? null);
    })();
  }

  async checkAnswered(id: number, agent: string, ok: boolean, error: string | null, now: number) {
    this.db
      .prepare("UPDATE check_results SET ok = ?, error = ?, at = ? WHERE request_id = ? AND agent_id = ?")
      .run(ok ? 1 : 0, error, now, id, agent);
  }

  async getCheck(id: number): Promise<(CheckRequest & { results: CheckResult[] }) | undefined> {
    const row = this.db.prepare<[number], CheckRow>(`${SELECT_CHECK} WHERE id = ?`).get(id);
    if (!row) return undefined;
    const results = this.db
      .prepare<[number], Omit<CheckResult, "ok"> & { ok: number | null }>(
        "SELECT agent_id AS agent, name, ok, error, at FROM check_results WHERE request_id = ? ORDER BY agent_id",
      )
      .all(id)
      .map((r) => ({ ...r, ok: r.ok === null ? null : r.ok === 1 }));
    return { ...checkOf(row), results };
  }
}
