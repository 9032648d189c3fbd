/**
 * The Store interface: everything mamori persists. Callers only see these interfaces, so a PostgreSQL
 * store (wave 3) can replace the embedded SQLite one without touching them. Methods are async for that
 * reason even though SQLite answers synchronously.
 */
import type { LogEvent, StoredEvent } from "../core/event.js";
import type { AgentStore } from "./agents.js";
import type { Checkpoint } from "./checkpoint.js";
import type { AuditStore, FimStore, RootcheckStore } from "./host-checks.js";
import type { UserStore } from "./users.js";

// the domains kept in their own files are part of this interface: import them from here
export * from "./agents.js";
export * from "./checkpoint.js";
export * from "./host-checks.js";
export * from "./users.js";

// ---------------------------------------------------------------- logs

/** One datum a metric filter produced: lands in the per-minute aggregate of its metric. */
export interface MetricPoint {
  namespace: string;
  name: string;
  /** dimension name → value; {} for none */
  dimensions: Record<string, string>;
  /** event time, ms */
  timestamp: number;
  value: number;
  unit?: string;
}

/** Everything one ingested batch writes, committed in one transaction (kill -9 loses nothing, duplicates nothing). */
export interface IngestBatch {
  events: LogEvent[];
  checkpoints: Checkpoint[];
  metricPoints: MetricPoint[];
}

export interface EventQuery {
  group: string;
  /** only these streams */
  streams?: string[];
  /** inclusive, ms */
  start?: number;
  /** exclusive, ms */
  end?: number;
  /** events with id > afterId (for tailing) */
  afterId?: number;
  /** events after this (timestamp, id) in event order (for paging) */
  afterKey?: { ts: number; id: number };
  /** order by id (arrival) instead of event time */
  orderById?: boolean;
  limit?: number;
}

/** A bounded search (the web API's): events containing every text of `contains`, reading at most scanLimit. */
export interface EventSearch {
  group: string;
  streams?: string[];
  /** inclusive, ms */
  start?: number;
  /** exclusive, ms */
  end?: number;
  /** events after this (timestamp, id) in event order */
  afterKey?: { ts: number; id: number };
  /** case-sensitive substrings every returned message contains (a prefilter: the caller still matches) */
  contains: string[];
  /** at most this many matching events */
  limit: number;
  /** at most this many events read */
  scanLimit: number;
}

export interface EventSearchResult {
  events: StoredEvent[];
  /** the key of the last event read (to go on from); absent when nothing was read */
  lastRead?: { ts: number; id: number };
  /** the scan reached the end of the range */
  exhausted: boolean;
}

export interface LogGroupInfo {
  name: string;
  retentionDays: number | null;
  createdAt: number;
  storedEvents: number;
  storedBytes: number;
}

export interface LogStreamInfo {
  group: string;
  name: string;
  firstEventTimestamp: number | null;
  lastEventTimestamp: number | null;
  lastIngestionTime: number | null;
  storedEvents: number;
}

export interface LogStore {
  /** Creates the group if needed and sets its retention (null = keep forever). */
  ensureGroup(name: string, retentionDays: number | null, now: number): Promise<void>;
  /** Writes the batch atomically; returns the stored events (with ids) in the order given. */
  ingest(batch: IngestBatch): Promise<StoredEvent[]>;
  getCheckpoint(source: string, key: string): Promise<string | undefined>;
  listCheckpoints(source: string): Promise<Checkpoint[]>;
  deleteCheckpoint(source: string, key: string): Promise<void>;
  /** Events in event-time order (then id), within the query's bounds. */
  query(q: EventQuery): Promise<StoredEvent[]>;
  /** Optional fast path of the web API's search (SQLite does it in C); without it the API scans with query(). */
  search?(q: EventSearch): Promise<EventSearchResult>;
  /** Events of every group with id > afterId, in id order (a fleet agent forwards its store with it). */
  since(afterId: number, limit: number): Promise<StoredEvent[]>;
  /** How many events have id > afterId (what a fleet agent has not forwarded yet). */
  countSince(afterId: number): Promise<number>;
  /** Bytes of the messages with id > afterId (a fleet agent's spool). */
  unsentBytes(afterId: number): Promise<number>;
  /** Deletes the oldest events with id > afterId until `bytes` are freed; returns how many (a full spool). */
  dropOldest(afterId: number, bytes: number): Promise<number>;
  /** The newest events of a group (for `logs tail`), oldest first. */
  latest(group: string, limit: number): Promise<StoredEvent[]>;
  groups(): Promise<LogGroupInfo[]>;
  streams(group: string): Promise<LogStreamInfo[]>;
  /**
   * Deletes events older than each group's retention (a group without one: `defaultDays`; 0 or null keeps
   * forever); returns how many were removed.
   */
  enforceRetention(now: number, defaultDays?: number | null): Promise<number>;
}

// ---------------------------------------------------------------- metrics

export interface MetricQuery {
  namespace: string;
  name: string;
  /** exact dimension set; {} or undefined = the metric without dimensions */
  dimensions?: Record<string, string>;
  /** inclusive, ms */
  start: number;
  /** exclusive, ms */
  end: number;
  /** seconds: 10, 30 or a multiple of 60 */
  period: number;
}

/** Aggregate of one period; periods without data are absent. */
export interface MetricDatapoint {
  /** start of the period, ms */
  timestamp: number;
  sum: number;
  sampleCount: number;
  minimum: number;
  maximum: number;
  unit?: string;
}

export interface MetricStore {
  statistics(q: MetricQuery): Promise<MetricDatapoint[]>;
  /** Known metrics (namespace, name, dimensions). */
  list(
    namespace?: string,
  ): Promise<Array<{ namespace: string; name: string; dimensions: Record<string, string> }>>;
}

// ---------------------------------------------------------------- alarms

export type AlarmStateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface AlarmStateRecord {
  name: string;
  state: AlarmStateValue;
  reason: string;
  /** JSON CloudWatch puts in StateReasonData */
  reasonData: string | null;
  /** when the current state began, ms */
  since: number;
  /** last evaluation, ms */
  evaluatedAt: number;
}

export interface AlarmHistoryItem {
  name: string;
  timestamp: number;
  /** "StateUpdate" | "Action" | "ConfigurationUpdate" */
  type: string;
  summary: string;
  /** JSON */
  data: string;
}

export interface AlarmStore {
  get(name: string): Promise<AlarmStateRecord | undefined>;
  list(): Promise<AlarmStateRecord[]>;
  put(state: AlarmStateRecord): Promise<void>;
  appendHistory(item: AlarmHistoryItem): Promise<void>;
  history(name: string, limit?: number): Promise<AlarmHistoryItem[]>;
}

// ---------------------------------------------------------------- bans

export interface BanRecord {
  jail: string;
  /** an address or a prefix ("2001:db8::/64") */
  ip: string;
  /** ms */
  start: number;
  /** ms; null = forever */
  end: number | null;
  failures: number;
  /** how many times this address was banned before (in this jail) */
  banCount: number;
  /** the log lines that led to the ban (up to 10) */
  lines: string[];
  /**
   * "pending-unban": the ban is over but lifting it from the firewall failed; it stays here (and
   * blocked) until a retry succeeds. Absent = "active".
   */
  state?: BanState;
}

export type BanState = "active" | "pending-unban";

export interface BanStore {
  /** Records a ban (replacing an active one of the same jail and address) and appends to the ban history. */
  add(ban: BanRecord): Promise<void>;
  /** Ends the active ban, if any; returns whether there was one. */
  remove(jail: string, ip: string): Promise<boolean>;
  /** Keeps (or puts back) a ban whose unban failed, as "pending-unban"; not a new ban in the history. */
  markUnbanPending(ban: BanRecord): Promise<void>;
  /** Active bans (all jails, or one), including expired ones not lifted yet and pending unbans. */
  active(jail?: string): Promise<BanRecord[]>;
  /** How many times ip was banned before: in `jail`, or in any jail when jail is undefined. */
  previousBans(ip: string, jail?: string): Promise<number>;
  /** Total bans ever recorded per jail. */
  totalBans(jail: string): Promise<number>;
  /** Every ban ever recorded (all jails, or one), oldest first. */
  history(jail?: string): Promise<Array<Pick<BanRecord, "jail" | "ip" | "start" | "end" | "failures">>>;
  /** Saves a jail's failure counters (the daemon writes them now and then, for `jails status`). */
  putJailStats(stats: JailStats): Promise<void>;
  /** The last saved counters of every jail, or of one. */
  jailStats(jail?: string): Promise<JailStats[]>;
}

export interface JailStats {
  jail: string;
  /** targets with failures being counted ("Currently failed") */
  currentlyFailed: number;
  /** failures counted ever ("Total failed") */
  totalFailed: number;
  /** ms */
  updatedAt: number;
}

// ---------------------------------------------------------------- notification deliveries

export interface DeliveryAttempt {
  topic: string;
  /** e.g. "email:ops@example.com", "webhook:http://..." (never a secret) */
  subscription: string;
  /** message id (one per published message) */
  messageId: string;
  attempt: number;
  timestamp: number;
  ok: boolean;
  error?: string;
  durationMs: number;
}

export interface DeliveryStore {
  record(a: DeliveryAttempt): Promise<void>;
  list(opts?: { topic?: string; limit?: number }): Promise<DeliveryAttempt[]>;
}

// ---------------------------------------------------------------- the whole store

export interface Store {
  readonly logs: LogStore;
  readonly metrics: MetricStore;
  readonly alarms: AlarmStore;
  readonly bans: BanStore;
  readonly deliveries: DeliveryStore;
  readonly rootcheck: RootcheckStore;
  readonly audit: AuditStore;
  readonly fim: FimStore;
  readonly users: UserStore;
  readonly agents: AgentStore;
  close(): Promise<void>;
}
