/** Every notification delivery attempt, so failures and retries are visible. */
import type { DeliveryAttempt, DeliveryStore } from "../store.js";
import type { Db } from "./db.js";

export const deliveriesSchema = [
  `CREATE TABLE IF NOT EXISTS deliveries (
     id INTEGER PRIMARY KEY,
     topic TEXT NOT NULL,
     subscription TEXT NOT NULL,
     message_id TEXT NOT NULL,
     attempt INTEGER NOT NULL,
     ts INTEGER NOT NULL,
     ok INTEGER NOT NULL,
     error TEXT,
     duration_ms REAL NOT NULL)`,
];

interface Row {
  topic: string;
  subscription: string;
  messageId: string;
  attempt: number;
  timestamp: number;
  ok: number;
  error: string | null;
  durationMs: number;
}

export class SqliteDeliveryStore implements DeliveryStore {
  constructor(private readonly db: Db) {}

  async record(a: DeliveryAttempt): Promise<void> {
    this.db
      .prepare(
        "INSERT INTO deliveries (topic, subscription, message_id, attempt, ts, ok, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        a.topic,
        a.subscription,
        a.messageId,
        a.attempt,
        a.timestamp,
        a.ok ? 1 : 0,
        a.error ?? null,
        a.durationMs,
      );
  }

  async list(opts: { topic?: string; limit?: number } = {}): Promise<DeliveryAttempt[]> {
    const rows = this.db
      .prepare<unknown[], Row>(
        `SELECT topic, subscription, message_id AS messageId, attempt, ts AS timestamp, ok, error, duration_ms AS durationMs
         FROM deliveries ${opts.topic ? "WHERE topic = ?" : ""} ORDER BY id DESC LIMIT ?`,
      )
      .all(...(opts.topic ? [opts.topic] : []), opts.limit ?? 100);
    return rows.map((r) => ({ ...r, ok: r.ok === 1, error: r.error ?? undefined }));
  }
}
