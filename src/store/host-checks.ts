/**
 * What the host checks persist (src/hids/): the rootcheck SUID baseline, the audit's last results, the
 * FIM baseline (kept as checkpoints, so a change and its baseline row commit together) and maintenance
 * windows. Part of the Store interface (store.ts).
 */
import type { Checkpoint } from "./checkpoint.js";

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
  /**
   * Starts rebuilding a root's baseline: drops only its finished-baseline mark, so the rebuild overwrites
   * rows in place (deleting 140,000 rows first cost a rebuild of /usr a second) and a rebuild killed
   * midway is started again.
   */
  unmarkBaseline(root: string): Promise<void>;
  /** Deletes a root's rows whose path is not in `kept` (what a rebuild did not see); returns how many. */
  keepOnly(root: string, kept: ReadonlySet<string>): Promise<number>;
  addMaintenance(w: MaintenanceWindow): Promise<number>;
  /** The window that covers `now`, if any (the latest-ending one). */
  maintenanceAt(now: number): Promise<MaintenanceWindow | undefined>;
  maintenanceWindows(limit?: number): Promise<MaintenanceWindow[]>;
}
