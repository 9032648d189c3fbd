/** One log line (or JSON record) as it flows through mamori. */
export interface LogEvent {
  /** log group, e.g. "/var/log/secure" */
  group: string;
  /** log stream, e.g. the host name or instance id */
  stream: string;
  /** event time, ms since epoch (parsed from the line when it has one) */
  timestamp: number;
  /** when mamori received it, ms */
  ingestTime: number;
  /** the raw line / JSON text, never rewritten */
  message: string;
}

/** A LogEvent once the store has given it an id. */
export interface StoredEvent extends LogEvent {
  id: number;
}

/** The longest message kept, in bytes of UTF-8 (CloudWatch's limit); longer lines are cut and counted. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * The latest event time kept: 9999-12-31T23:59:59.999Z. A time outside 0..this (a flow log's `start` in
 * the wrong unit, 2^53) is no date a person or `Date` can read; the pipeline replaces it with the ingest
 * time and counts it.
 */
export const MAX_EVENT_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
