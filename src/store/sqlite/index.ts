/** The embedded store: one SQLite file (WAL) in data_dir holding every domain's tables. */
import path from "node:path";
import type { Logger } from "pino";
import type { Store } from "../store.js";
import { agentsSchema, SqliteAgentStore } from "./agents.js";
import { alarmsSchema, SqliteAlarmStore } from "./alarms.js";
import { auditSchema, SqliteAuditStore } from "./audit.js";
import { bansSchema, SqliteBanStore } from "./bans.js";
import { type Db, type OpenOptions, openDatabase } from "./db.js";
import { deliveriesSchema, SqliteDeliveryStore } from "./deliveries.js";
import { fimSchema, SqliteFimStore } from "./fim.js";
import { type LogStoreOptions, logsSchema, SqliteLogStore } from "./logs.js";
import { metricsSchema, SqliteMetricStore } from "./metrics.js";
import { secureDataDir } from "./permissions.js";
import { rootcheckSchema, SqliteRootcheckStore } from "./rootcheck.js";
import { SqliteUserStore, usersSchema } from "./users.js";

export const DB_FILE = "mamori.db";

const schemas = [
  logsSchema,
  metricsSchema,
  alarmsSchema,
  bansSchema,
  deliveriesSchema,
  rootcheckSchema,
  auditSchema,
  fimSchema,
  usersSchema,
  agentsSchema,
];

export interface SqliteStoreOptions extends LogStoreOptions, OpenOptions {
  /** where the data dir's permission fixes and stream overflows are reported */
  log?: Pick<Logger, "warn">;
}

export class SqliteStore implements Store {
  readonly logs: SqliteLogStore;
  readonly metrics: SqliteMetricStore;
  readonly alarms: SqliteAlarmStore;
  readonly bans: SqliteBanStore;
  readonly deliveries: SqliteDeliveryStore;
  readonly rootcheck: SqliteRootcheckStore;
  readonly audit: SqliteAuditStore;
  readonly fim: SqliteFimStore;
  readonly users: SqliteUserStore;
  readonly agents: SqliteAgentStore;

  constructor(
    readonly db: Db,
    opts: SqliteStoreOptions = {},
  ) {
    this.metrics = new SqliteMetricStore(db);
    this.logs = new SqliteLogStore(db, this.metrics.write, this.metrics.forgetIds, {
      maxStreamsPerGroup: opts.maxStreamsPerGroup,
      onStreamOverflow:
        opts.onStreamOverflow ??
        ((group, stream, max) =>
          opts.log?.warn(
            { group, stream: stream.slice(0, 200), maxStreams: max },
            "log group has reached its stream limit; events of new streams go to the stream _overflow (reported once per group)",
          )),
    });
    this.alarms = new SqliteAlarmStore(db);
    this.bans = new SqliteBanStore(db);
    this.deliveries = new SqliteDeliveryStore(db);
    this.rootcheck = new SqliteRootcheckStore(db);
    this.audit = new SqliteAuditStore(db);
    this.fim = new SqliteFimStore(db);
    this.users = new SqliteUserStore(db);
    this.agents = new SqliteAgentStore(db);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * Opens (creating if needed) the store in dataDir; ":memory:" for a throwaway store in tests. The data
 * dir is made private first (0700, files 0600; see permissions.ts), each fix logged.
 */
export function openSqliteStore(dataDir: string, opts: SqliteStoreOptions = {}): SqliteStore {
  if (dataDir === ":memory:") return new SqliteStore(openDatabase(":memory:", schemas, opts), opts);
  const file = path.join(dataDir, DB_FILE);
  for (const fix of secureDataDir(dataDir, file)) {
    opts.log?.warn(fix, "data dir permissions were too open; fixed (the store is private to mamori's user)");
  }
  return new SqliteStore(openDatabase(file, schemas, opts), opts);
}
