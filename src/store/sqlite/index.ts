/** The embedded store: one SQLite file (WAL) in data_dir holding every domain's tables. */
import path from "node:path";
import type { Store } from "../store.js";
import { alarmsSchema, SqliteAlarmStore } from "./alarms.js";
import { bansSchema, SqliteBanStore } from "./bans.js";
import { type Db, openDatabase } from "./db.js";
import { deliveriesSchema, SqliteDeliveryStore } from "./deliveries.js";
import { logsSchema, SqliteLogStore } from "./logs.js";
import { metricsSchema, SqliteMetricStore } from "./metrics.js";

export const DB_FILE = "mamori.db";

const schemas = [logsSchema, metricsSchema, alarmsSchema, bansSchema, deliveriesSchema];

export class SqliteStore implements Store {
  readonly logs: SqliteLogStore;
  readonly metrics: SqliteMetricStore;
  readonly alarms: SqliteAlarmStore;
  readonly bans: SqliteBanStore;
  readonly deliveries: SqliteDeliveryStore;

  constructor(readonly db: Db) {
    this.metrics = new SqliteMetricStore(db);
    this.logs = new SqliteLogStore(db, this.metrics.write, this.metrics.forgetIds);
    this.alarms = new SqliteAlarmStore(db);
    this.bans = new SqliteBanStore(db);
    this.deliveries = new SqliteDeliveryStore(db);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Opens (creating if needed) the store in dataDir; ":memory:" for a throwaway store in tests. */
export function openSqliteStore(dataDir: string): SqliteStore {
  const file = dataDir === ":memory:" ? ":memory:" : path.join(dataDir, DB_FILE);
  return new SqliteStore(openDatabase(file, schemas));
}
