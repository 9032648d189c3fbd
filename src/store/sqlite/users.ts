/** Web users, their sessions, API tokens and alarm acknowledgements (spec/web.md). Secrets are stored hashed. */
import type { AlarmAck, ApiTokenRecord, Role, SessionRecord, UserRecord, UserStore } from "../store.js";
import type { Db } from "./db.js";

export const usersSchema = [
  `CREATE TABLE IF NOT EXISTS users (
     name TEXT PRIMARY KEY,
     role TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     totp_secret TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS sessions (
     id_hash TEXT PRIMARY KEY,
     user TEXT NOT NULL,
     csrf TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user)",
  `CREATE TABLE IF NOT EXISTS api_tokens (
     id TEXT PRIMARY KEY,
     hash TEXT NOT NULL,
     role TEXT NOT NULL,
     created_by TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER,
     last_used_at INTEGER) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS alarm_acks (
     id INTEGER PRIMARY KEY,
     alarm TEXT NOT NULL,
     by_user TEXT NOT NULL,
     why TEXT NOT NULL,
     until INTEGER,
     at INTEGER NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS alarm_acks_by_alarm ON alarm_acks (alarm, at)",
];

interface UserRow {
  name: string;
  role: string;
  password_hash: string;
  totp_secret: string | null;
  created_at: number;
  updated_at: number;
}

interface TokenRow {
  id: string;
  hash: string;
  role: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

const asRole = (r: string): Role => (r === "admin" ? "admin" : "viewer");

const userOf = (r: UserRow): UserRecord => ({
  name: r.name,
  role: asRole(r.role),
  passwordHash: r.password_hash,
  totpSecret: r.totp_secret,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const tokenOf = (r: TokenRow): ApiTokenRecord => ({
  id: r.id,
  hash: r.hash,
  role: asRole(r.role),
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
});

export class SqliteUserStore implements UserStore {
  constructor(private readonly db: Db) {}

  async get(name: string): Promise<UserRecord | undefined> {
    const r = this.db.prepare<[string], UserRow>("SELECT * FROM users WHERE name = ?").get(name);
    return r && userOf(r);
  }

  async list(): Promise<UserRecord[]> {
    return this.db.prepare<[], UserRow>("SELECT * FROM users ORDER BY name").all().map(userOf);
  }

  async count(): Promise<number> {
    return (this.db.prepare("SELECT count(*) AS n FROM users").get() as { n: number }).n;
  }

  async add(u: UserRecord): Promise<boolean> {
    const r = this.db
      .prepare(
        `INSERT INTO users (name, role, password_hash, totp_secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO NOTHING`,
      )
      .run(u.name, u.role, u.passwordHash, u.totpSecret, u.createdAt, u.updatedAt);
    return r.changes > 0;
  }

  async update(
    name: string,
    change: Partial<Pick<UserRecord, "passwordHash" | "totpSecret" | "role">>,
    now: number,
  ): Promise<boolean> {
    const u = await this.get(name);
    if (!u) return false;
    const next = { ...u, ...change };
    this.db.transaction(() => {
      this.db
        .prepare(
          "UPDATE users SET role = ?, password_hash = ?, totp_secret = ?, updated_at = ? WHERE name = ?",
        )
        .run(next.role, next.passwordHash, next.totpSecret, now, name);
      // a new password or second factor ends the sessions opened with the old one
      if (change.passwordHash !== undefined || change.totpSecret !== undefined || change.role !== undefined)
        this.db.prepare("DELETE FROM sessions WHERE user = ?").run(name);
    })();
    return true;
  }

  async remove(name: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.prepare("DELETE FROM sessions WHERE user = ?").run(name);
      this.db.prepare("DELETE FROM api_tokens WHERE created_by = ?").run(name);
      return this.db.prepare("DELETE FROM users WHERE name = ?").run(name).changes > 0;
    })();
  }

  async putSession(s: SessionRecord): Promise<void> {
    this.db
      .prepare("INSERT INTO sessions (id_hash, user, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
      .run(s.idHash, s.user, s.csrf, s.createdAt, s.expiresAt);
  }

  async session(idHash: string, now: number): Promise<SessionRecord | undefined> {
    const r = this.db
      .prepare<
        [string],
        { id_hash: string; user: string; csrf: string; created_at: number; expires_at: number }
      >("SELECT * FROM sessions WHERE id_hash = ?")
      .get(idHash);
    if (!r) return undefined;
    if (r.expires_at <= now) {
      this.db.prepare("DELETE FROM sessions WHERE expires_at <= ?").run(now);
      return undefined;
    }
    return {
      idHash: r.id_hash,
      user: r.user,
      csrf: r.csrf,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
    };
  }

  async deleteSession(idHash: string): Promise<void> {
    this.db.prepare("DELETE FROM sessions WHERE id_hash = ?").run(idHash);
  }

  async putToken(t: ApiTokenRecord): Promise<void> {
    this.db
      .prepare(
        "INSERT INTO api_tokens (id, hash, role, created_by, created_at, expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(t.id, t.hash, t.role, t.createdBy, t.createdAt, t.expiresAt, t.lastUsedAt);
  }

  async token(id: string): Promise<ApiTokenRecord | undefined> {
    const r = this.db.prepare<[string], TokenRow>("SELECT * FROM api_tokens WHERE id = ?").get(id);
    return r && tokenOf(r);
  }

  async tokens(): Promise<ApiTokenRecord[]> {
    return this.db
      .prepare<[], TokenRow>("SELECT * FROM api_tokens ORDER BY created_at, id")
      .all()
      .map(tokenOf);
  }

  async touchToken(id: string, now: number): Promise<void> {
    this.db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").run(now, id);
  }

  async revokeToken(id: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM api_tokens WHERE id = ?").run(id).changes > 0;
  }

  async acknowledge(a: AlarmAck): Promise<void> {
    this.db
      .prepare("INSERT INTO alarm_acks (alarm, by_user, why, until, at) VALUES (?, ?, ?, ?, ?)")
      .run(a.alarm, a.by, a.why, a.until, a.at);
  }

  async acks(alarm?: string): Promise<AlarmAck[]> {
    type Row = { alarm: string; by_user: string; why: string; until: number | null; at: number };
    const rows = alarm
      ? this.db
          .prepare<[string], Row>("SELECT * FROM alarm_acks WHERE alarm = ? ORDER BY at DESC, id DESC")
          .all(alarm)
      : this.db.prepare<[], Row>("SELECT * FROM alarm_acks ORDER BY at DESC, id DESC").all();
    return rows.map((r) => ({ alarm: r.alarm, by: r.by_user, why: r.why, until: r.until, at: r.at }));
  }
}
