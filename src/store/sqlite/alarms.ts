/** Alarm states and history in SQLite: a restart neither forgets an ALARM nor sends it again. */
import type { AlarmHistoryItem, AlarmStateRecord, AlarmStore } from "../store.js";
import type { Db } from "./db.js";

export const alarmsSchema = [
  `CREATE TABLE IF NOT EXISTS alarm_states (
     name TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     reason TEXT NOT NULL,
     reason_data TEXT,
     since INTEGER NOT NULL,
     evaluated_at INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS alarm_history (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL,
     ts INTEGER NOT NULL,
     type TEXT NOT NULL,
     summary TEXT NOT NULL,
     data TEXT NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS alarm_history_by_name ON alarm_history (name, ts)",
];

const SELECT_STATE =
  "SELECT name, state, reason, reason_data AS reasonData, since, evaluated_at AS evaluatedAt FROM alarm_states";

export class SqliteAlarmStore implements AlarmStore {
  /** put and appendHistory run at every evaluation (each period of each alarm): prepared once */
  private readonly putState;
  private readonly addHistory;

  constructor(private readonly db: Db) {
    this.putState = db.prepare(
      `INSERT INTO alarm_states (name, state, reason, reason_data, since, evaluated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET state = excluded.state, reason = excluded.reason, reason_data = excluded.reason_data,
         since = excluded.since, evaluated_at = excluded.evaluated_at`,
    );
    this.addHistory = db.prepare(
      "INSERT INTO alarm_history (name, ts, type, summary, data) VALUES (?, ?, ?, ?, ?)",
    );
  }

  async get(name: string): Promise<AlarmStateRecord | undefined> {
    return this.db.prepare<[string], AlarmStateRecord>(`${SELECT_STATE} WHERE name = ?`).get(name);
  }

  async list(): Promise<AlarmStateRecord[]> {
    return this.db.prepare<[], AlarmStateRecord>(`${SELECT_STATE} ORDER BY name`).all();
  }

  async put(s: AlarmStateRecord): Promise<void> {
    this.putState.run(s.name, s.state, s.reason, s.reasonData, s.since, s.evaluatedAt);
  }

  async appendHistory(item: AlarmHistoryItem): Promise<void> {
    this.addHistory.run(item.name, item.timestamp, item.type, item.summary, item.data);
  }

  async history(name: string, limit = 100): Promise<AlarmHistoryItem[]> {
    return this.db
      .prepare<[string, number], AlarmHistoryItem>(
        "SELECT name, ts AS timestamp, type, summary, data FROM alarm_history WHERE name = ? ORDER BY ts DESC, id DESC LIMIT ?",
      )
      .all(name, limit);
  }
}
