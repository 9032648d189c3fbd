/**
 * The Store interface: everything mamori persists. Callers only see these interfaces, so a PostgreSQL
 * store (wave 3) can replace the embedded SQLite one without touching them. Methods are async for that
 * reason even though SQLite answers synchronously.
 */
import type { LogEvent, StoredEvent } from "../core/event.js";

// ---------------------------------------------------------------- logs

/** Where a source is in its input (file offset, journald cursor, ...), saved with the events it covers. */
export interface Checkpoint {
  /** the source's id (config `id`, or derived from its type and path) */
  source: string;
  /** what within the source: a file's identity, "cursor", ... */
  key: string;
  /** opaque to the store (JSON is usual) */
  value: string;
}

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

// ---------------------------------------------------------------- rootcheck

/** A SUID/SGID file as the baseline holds it. */
export interface SuidEntry {
  /** permission bits including setuid/setgid (mode & 0o7777) */
  mode: number;
  uid: number;
}

export interface RootcheckStore {
  /** The SUID/SGID files of the last run over `scope` (the scanned root), or undefined before the first. */
  suidBaseline(scope: string): Promise<Map<string, SuidEntry> | undefined>;
  /** Replaces the baseline of `scope` with what this run found. */
  putSuidBaseline(scope: string, entries: ReadonlyMap<string, SuidEntry>, now: number): Promise<void>;
}

// ---------------------------------------------------------------- policy audit

/** The last result of one check of one policy (what the next run compares with). */
export interface AuditResultRecord {
  policy: string;
  checkId: number;
  result: "passed" | "failed" | "not_applicable";
  reason: string;
  /** ms */
  updatedAt: number;
}

export interface AuditStore {
  /** The stored results of every policy, or of one. */
  results(policy?: string): Promise<AuditResultRecord[]>;
  /** Stores (replacing) the results given, in one transaction. */
  putResults(records: AuditResultRecord[]): Promise<void>;
}

// ---------------------------------------------------------------- file integrity (FIM)

/**
 * A FIM baseline row is a checkpoint of source `fim:<root>` (key: the path in display form, value: the
 * record's JSON), so the pipeline commits a change event and the row it moves in one transaction: kill -9
 * mid-scan reports each change exactly once. A deleted path's row becomes FIM_DELETED until the scan ends;
 * the key "" marks a finished baseline.
 */
export const FIM_CHECKPOINT_PREFIX = "fim:";
export const FIM_DELETED = "deleted";
export const FIM_BASELINE_KEY = "";

export function fimCheckpoint(root: string, path: string, value: string): Checkpoint {
  return { source: `${FIM_CHECKPOINT_PREFIX}${root}`, key: path, value };
}

export interface MaintenanceWindow {
  id?: number;
  /** ms */
  start: number;
  /** ms */
  end: number;
  reason: string;
}

export interface FimStore {
  /** Every live row of a root's baseline: display path → record JSON. */
  baseline(root: string): Promise<Map<string, string>>;
  /** One live row (record JSON), or undefined. */
  row(root: string, path: string): Promise<string | undefined>;
  /** The live rows at `path` and below it. */
  baselineUnder(root: string, path: string): Promise<Map<string, string>>;
  /** When the root's baseline was finished and with how many paths; undefined before that. */
  baselined(root: string): Promise<{ at: number; files: number } | undefined>;
  /** Removes the rows of deleted paths (their events are committed). */
  purgeDeleted(root: string): Promise<number>;
  /** Forgets a root's baseline (`fim baseline` rebuilds it). */
  forget(root: string): Promise<void>;
  addMaintenance(w: MaintenanceWindow): Promise<number>;
  /** The window that covers `now`, if any (the latest-ending one). */
  maintenanceAt(now: number): Promise<MaintenanceWindow | undefined>;
  maintenanceWindows(limit?: number): Promise<MaintenanceWindow[]>;
}

// ---------------------------------------------------------------- web users, sessions, API tokens

export type Role = "viewer" | "admin";

export interface UserRecord {
  name: string;
  role: Role;
  /** "scrypt$N$r$p$salt$hash" (base64url parts); never leaves the store but for verification */
  passwordHash: string;
  /** base32 TOTP secret, when the second factor is on */
  totpSecret: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface SessionRecord {
  /** sha256 of the cookie value (the cookie itself is never stored) */
  idHash: string;
  user: string;
  /** the CSRF token the session's state-changing requests must send */
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

export interface ApiTokenRecord {
  /** public id, printed in `api-tokens list` and the first part of the token */
  id: string;
  /** sha256 of the secret part */
  hash: string;
  role: Role;
  /** who created it (a user name, or "cli") */
  createdBy: string;
  createdAt: number;
  /** null = never expires */
  expiresAt: number | null;
  lastUsedAt: number | null;
}

export interface AlarmAck {
  alarm: string;
  by: string;
  why: string;
  /** ms; null = until the alarm changes state */
  until: number | null;
  at: number;
}

export interface UserStore {
  get(name: string): Promise<UserRecord | undefined>;
  list(): Promise<UserRecord[]>;
  count(): Promise<number>;
  /** Adds a user; false when the name is taken. */
  add(user: UserRecord): Promise<boolean>;
  update(
    name: string,
    change: Partial<Pick<UserRecord, "passwordHash" | "totpSecret" | "role">>,
    now: number,
  ): Promise<boolean>;
  /** Removes the user, their sessions and the tokens they created; false when there was none. */
  remove(name: string): Promise<boolean>;
  putSession(s: SessionRecord): Promise<void>;
  session(idHash: string, now: number): Promise<SessionRecord | undefined>;
  deleteSession(idHash: string): Promise<void>;
  putToken(t: ApiTokenRecord): Promise<void>;
  token(id: string): Promise<ApiTokenRecord | undefined>;
  tokens(): Promise<ApiTokenRecord[]>;
  touchToken(id: string, now: number): Promise<void>;
  revokeToken(id: string): Promise<boolean>;
  acknowledge(ack: AlarmAck): Promise<void>;
  acks(alarm?: string): Promise<AlarmAck[]>;
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

// ---------------------------------------------------------------- fleet: enrollment tokens and agents

export interface EnrollToken {
  /** short public id (for listing and removal); the secret itself is never stored */
  id: string;
  /** SHA-256 of the token's secret, hex */
  hash: string;
  /** the agent group agents enrolled with it join */
  group: string;
  /** how many enrollments it allows in all */
  uses: number;
  used: number;
  /** ms */
  expiresAt: number;
  createdAt: number;
}

export type AgentStatus = "never_connected" | "active" | "disconnected" | "revoked";

export interface AgentRecord {
  /** unique, never reused; the subject of its certificate */
  id: string;
  name: string;
  group: string;
  status: AgentStatus;
  /** SHA-256 of its current certificate, hex */
  certFingerprint: string;
  enrolledAt: number;
  lastSeen: number | null;
  address: string | null;
  version: string | null;
  configVersion: string | null;
}

/** Why a token could not be used. */
export type TokenRefusal = "unknown" | "expired" | "used_up";

export interface AgentStore {
  addToken(t: EnrollToken): Promise<void>;
  tokens(): Promise<EnrollToken[]>;
  removeToken(id: string): Promise<boolean>;
  /**
   * Enrolls an agent with a token in one transaction: the token's use is counted and the agent recorded,
   * or nothing happens and the refusal says why.
   */
  enroll(
    tokenHash: string,
    now: number,
    agent: Omit<AgentRecord, "group" | "status" | "lastSeen" | "address" | "version" | "configVersion">,
  ): Promise<{ ok: true; group: string } | { ok: false; reason: TokenRefusal }>;
  get(id: string): Promise<AgentRecord | undefined>;
  list(): Promise<AgentRecord[]>;
  /** Updates status and what the agent last said about itself. */
  update(
    id: string,
    fields: Partial<
      Pick<AgentRecord, "status" | "lastSeen" | "address" | "version" | "configVersion" | "certFingerprint">
    >,
  ): Promise<void>;
}
