/** Fleet enrollment tokens (hashed, with uses and expiry) and the agents they enrolled. */
import type Database from "better-sqlite3";
import type { AgentRecord, AgentStore, EnrollToken, TokenRefusal } from "../store.js";
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
];

const SELECT_TOKEN =
  'SELECT id, hash, grp AS "group", uses, used, expires_at AS expiresAt, created_at AS createdAt FROM enroll_tokens';
const SELECT_AGENT = `SELECT id, name, grp AS "group", status, cert_fingerprint AS certFingerprint, enrolled_at AS enrolledAt,
  last_seen AS lastSeen, address, version, config_version AS configVersion FROM agents`;

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
}
