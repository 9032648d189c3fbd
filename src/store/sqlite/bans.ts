/** Active bans and the ban history in SQLite; restored into the firewall on start. */

import type { Statement } from "better-sqlite3";
import type { BanRecord, BanState, BanStore, JailStats } from "../store.js";
import type { Db } from "./db.js";

export const bansSchema = [
  `CREATE TABLE IF NOT EXISTS bans (
     jail TEXT NOT NULL,
     ip TEXT NOT NULL,
     start INTEGER NOT NULL,
     end_ts INTEGER,
     failures INTEGER NOT NULL,
     ban_count INTEGER NOT NULL,
     lines TEXT NOT NULL,
     state TEXT NOT NULL DEFAULT 'active',
     PRIMARY KEY (jail, ip)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS ban_history (
     id INTEGER PRIMARY KEY,
     jail TEXT NOT NULL,
     ip TEXT NOT NULL,
     start INTEGER NOT NULL,
     end_ts INTEGER,
     failures INTEGER NOT NULL DEFAULT 0)`,
  "CREATE INDEX IF NOT EXISTS ban_history_by_ip ON ban_history (ip, jail)",
  `CREATE TABLE IF NOT EXISTS jail_stats (
     jail TEXT PRIMARY KEY,
     currently_failed INTEGER NOT NULL,
     total_failed INTEGER NOT NULL,
     updated_at INTEGER NOT NULL) WITHOUT ROWID`,
];

interface BanRow {
  jail: string;
  ip: string;
  start: number;
  end_ts: number | null;
  failures: number;
  ban_count: number;
  lines: string;
  state: string;
}

export class SqliteBanStore implements BanStore {
  private readonly addTx: (b: BanRecord) => void;

  private readonly upsert: Statement;

  constructor(private readonly db: Db) {
    addStateColumn(db);
    const upsert = db.prepare(
      `INSERT INTO bans (jail, ip, start, end_ts, failures, ban_count, lines, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (jail, ip) DO UPDATE SET start = excluded.start, end_ts = excluded.end_ts, failures = excluded.failures,
         ban_count = excluded.ban_count, lines = excluded.lines, state = excluded.state`,
    );
    this.upsert = upsert;
    const history = db.prepare(
      "INSERT INTO ban_history (jail, ip, start, end_ts, failures) VALUES (?, ?, ?, ?, ?)",
    );
    this.addTx = db.transaction((b: BanRecord) => {
      upsert.run(b.jail, b.ip, b.start, b.end, b.failures, b.banCount, linesJson(b), "active");
      history.run(b.jail, b.ip, b.start, b.end, b.failures);
    });
  }

  async add(ban: BanRecord): Promise<void> {
    this.addTx(ban);
  }

  async remove(jail: string, ip: string): Promise<boolean> {
    return this.statement("DELETE FROM bans WHERE jail = ? AND ip = ?").run(jail, ip).changes > 0;
  }

  async markUnbanPending(b: BanRecord): Promise<void> {
    this.upsert.run(b.jail, b.ip, b.start, b.end, b.failures, b.banCount, linesJson(b), "pending-unban");
  }

  async active(jail?: string): Promise<BanRecord[]> {
    const rows = jail
      ? this.db.prepare<[string], BanRow>("SELECT * FROM bans WHERE jail = ? ORDER BY start, ip").all(jail)
      : this.db.prepare<[], BanRow>("SELECT * FROM bans ORDER BY jail, start, ip").all();
    return rows.map((r) => ({
      jail: r.jail,
      ip: r.ip,
      start: r.start,
      end: r.end_ts,
      failures: r.failures,
      banCount: r.ban_count,
      lines: JSON.parse(r.lines) as string[],
      ...(r.state === "pending-unban" ? { state: r.state as BanState } : {}),
    }));
  }

  /** asked once per ban (how many before, for bantime.increment): the statements are prepared once */
  async previousBans(ip: string, jail?: string): Promise<number> {
    const row = (
      jail
        ? this.statement("SELECT count(*) AS n FROM ban_history WHERE ip = ? AND jail = ?").get(ip, jail)
        : this.statement("SELECT count(*) AS n FROM ban_history WHERE ip = ?").get(ip)
    ) as { n: number } | undefined;
    return row?.n ?? 0;
  }

  async putJailStats(s: JailStats): Promise<void> {
    this.statement(
      `INSERT INTO jail_stats (jail, currently_failed, total_failed, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (jail) DO UPDATE SET currently_failed = excluded.currently_failed,
         total_failed = excluded.total_failed, updated_at = excluded.updated_at`,
    ).run(s.jail, s.currentlyFailed, s.totalFailed, s.updatedAt);
  }

  private readonly statements = new Map<string, Statement>();
  /** Prepared once per SQL text: a replay saves jail counters thousands of times (prepare was 3% of it). */
  private statement(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  async jailStats(jail?: string): Promise<JailStats[]> {
    type Row = { jail: string; currently_failed: number; total_failed: number; updated_at: number };
    const rows = jail
      ? this.db.prepare<[string], Row>("SELECT * FROM jail_stats WHERE jail = ?").all(jail)
      : this.db.prepare<[], Row>("SELECT * FROM jail_stats ORDER BY jail").all();
    return rows.map((r) => ({
      jail: r.jail,
      currentlyFailed: r.currently_failed,
      totalFailed: r.total_failed,
      updatedAt: r.updated_at,
    }));
  }

  async history(
    jail?: string,
  ): Promise<Array<Pick<BanRecord, "jail" | "ip" | "start" | "end" | "failures">>> {
    const sql = `SELECT jail, ip, start, end_ts AS "end", failures FROM ban_history ${jail ? "WHERE jail = ?" : ""} ORDER BY start, id`;
    return this.db
      .prepare<unknown[], Pick<BanRecord, "jail" | "ip" | "start" | "end" | "failures">>(sql)
      .all(...(jail ? [jail] : []));
  }

  async totalBans(jail: string): Promise<number> {
    return (
      this.db
        .prepare<[string], { n: number }>("SELECT count(*) AS n FROM ban_history WHERE jail = ?")
        .get(jail)?.n ?? 0
    );
  }
}

function linesJson(b: BanRecord): string {
  return JSON.stringify(b.lines.slice(0, 10));
}

/** Databases written before pending unbans existed get the column (every row "active"). */
function addStateColumn(db: Db): void {
  const cols = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('bans')").all();
  if (!cols.some((c) => c.name === "state"))
    db.exec("ALTER TABLE bans ADD COLUMN state TEXT NOT NULL DEFAULT 'active'");
}
