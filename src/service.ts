/**
 * What every part of the daemon is: something that starts, stops and reports counters. Parts are built
 * by plain functions called from src/parts.ts, which passes each what it needs; none registers itself.
 */

/** A long-running part of the daemon (a source, an alarm, a jail, the notifier...). */
export interface Service {
  name: string;
  /**
   * start() stops the part this one replaces itself (a jail hands its failure counter over with no gap);
   * otherwise a reload stops the old part before starting its replacement.
   */
  readonly takesOver?: boolean;
  /** Starts work; resolves once started (long-running loops keep going in the background until stop). */
  start(): Promise<void>;
  /** Stops and releases everything (timers, sockets, firewall state the part owns only when asked to). */
  stop(): Promise<void>;
  /** Counters for `Daemon.stats()` (status output, tests). */
  stats?(): Record<string, unknown>;
}
