/**
 * Replay writes its data dir in long transactions instead of one (or several) per replayed minute:
 * committing a transaction costs about as much as inserting its few hundred events (WAL pages written
 * again and again), and a replay is offline, so nothing waits to read its data early.
 *
 * The replay opens a transaction on the store's one connection and commits it at the start of a
 * replayed minute (after that minute's batch is stored and handed to jails and alarms) once at least
 * `every` events are in it. Every part writes through that same connection, so its writes (events,
 * metric points, alarm states, bans, jail counters) join the open transaction (better-sqlite3 turns
 * their own transactions into savepoints) and reads see them. A kill mid-replay therefore leaves the data
 * dir as it was at the last commit: a whole prefix of the replay, up to the end of a replayed minute,
 * never a minute's events without their metric points, bans or alarm states.
 *
 * Meanwhile the store keeps a rollback journal instead of its write-ahead log: a long transaction in
 * the WAL writes every page twice (into the log, then into the database at the checkpoint); with a
 * rollback journal, pages new to the file (a replay mostly appends) are written once and journaled not
 * at all. A kill leaves the journal behind, and SQLite rolls the unfinished transaction back with it the
 * next time the store opens (which also turns the WAL back on, see store/sqlite/db.ts). While replaying,
 * the store also runs with a small page cache and without fsync (see start()).
 */
import type Database from "better-sqlite3";
import type { Db } from "../store/sqlite/db.js";

/** events in one transaction at least, before it commits at the next replayed minute */
export const COMMIT_EVERY_EVENTS = 100_000;

/**
 * The page cache while replaying, KiB (negative: SQLite's unit for KiB), instead of the store's 64 MiB:
 * a replay appends, so its pages are written once and seldom read again, and every page of a big cache
 * is memory the process touches for the first time (page faults, zeroed pages: with 64 MiB, storing a
 * replay's events took twice the CPU time). Pages beyond it are written to the file before the commit.
 */
export const REPLAY_CACHE_SIZE = -8192;

/**
 * Bytes per page of a data dir the replay creates, instead of SQLite's 4096: a replay appends row after
 * row to the events table and its two indexes, and with pages four times as large, pages are filled,
 * split, looked up and written a quarter as often (storing a replay's events took a sixth less CPU time).
 * A store that exists keeps its page size (SQLite fixes it when the file is created).
 */
export const REPLAY_PAGE_SIZE = 16_384;

type Statement = Database.Statement<[]>;

export class ReplayTransaction {
  private readonly begin: Statement;
  private readonly commit: Statement;
  /** events stored since the last commit */
  private pending = 0;
  private open = false;
  /** the store's page cache size before the replay (restored at the end) */
  private cacheSize?: number;
  /** the time of the last event the last commit holds (for the error when the store rolled back) */
  private committedUpTo: number | null = null;

  constructor(
    private readonly db: Db,
    /** 0: commit after every batch (as each batch was its own transaction before) */
    private readonly every = COMMIT_EVERY_EVENTS,
  ) {
    this.begin = db.prepare<[]>("BEGIN");
    this.commit = db.prepare<[]>("COMMIT");
  }

  /** Opens the first transaction (the store must have no transaction of its own open). */
  start(): void {
    this.db.pragma("journal_mode = DELETE");
    this.cacheSize = this.db.pragma("cache_size", { simple: true }) as number;
    this.db.pragma(`cache_size = ${REPLAY_CACHE_SIZE}`);
    // no fsync while replaying (a tenth of a second of waiting for the disk): a killed replay still
    // leaves whole committed minutes (the writes are in the OS's cache); only an OS crash or a power
    // loss mid-replay could damage its data dir, which the replay can write again
    this.db.pragma("synchronous = OFF");
    this.begin.run();
    this.open = true;
  }

  /**
   * After a batch of n events is stored and handed on, at the start of a new replayed minute when
   * `minuteEnded`: commits once enough events are pending, and opens the next transaction.
   */
  stored(n: number, minuteEnded: boolean, lastEventTime: number | null): void {
    this.pending += n;
    if (this.every > 0 && (!minuteEnded || this.pending < this.every)) return;
    this.commitNow(lastEventTime);
    this.begin.run();
    this.open = true;
  }

  /**
   * Commits what is pending and turns the WAL back on; later writes (the parts' last words on stop)
   * commit one by one again.
   */
  finish(lastEventTime: number | null): void {
    if (this.open) this.commitNow(lastEventTime);
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("journal_mode = WAL");
    if (this.cacheSize !== undefined) this.db.pragma(`cache_size = ${this.cacheSize}`);
  }

  private commitNow(lastEventTime: number | null): void {
    if (!this.db.inTransaction) {
      // SQLite rolls a whole transaction back on some errors (a full disk, an I/O error)
      this.open = false;
      const upTo = this.committedUpTo === null ? "nothing" : new Date(this.committedUpTo).toISOString();
      throw new Error(
        `the store rolled back the replay's last ${this.pending} events (is the disk of the data dir full?); the data dir holds the replay up to ${upTo}; free space and replay again into a new --data-dir`,
      );
    }
    this.commit.run();
    this.open = false;
    this.pending = 0;
    this.committedUpTo = lastEventTime;
  }
}
