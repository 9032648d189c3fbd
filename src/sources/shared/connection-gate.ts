/**
 * Admission and timeouts for the connections of one listener (http, syslog tcp/tls). Over the limits
 * (this listener's total, one peer's share, the process's fd budget) a new connection is closed at once
 * and reported; a connection that does not send its headers / finish its handshake in header_timeout,
 * or stays silent for idle_timeout (while not being served), is closed. Time is the injected Clock, so a
 * test steps it instead of waiting.
 */
import type net from "node:net";
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { ListenerLimits } from "../../core/listener-limits.js";
import type { FdBudget } from "./fd-budget.js";

/** refusals after the first are summed up in one log line at most this often */
const REFUSAL_LOG_EVERY_MS = 10_000;

export class Connection {
  /** since when it waits for headers (or a handshake); undefined when it does not */
  waitingSince: number | undefined;
  lastActivity: number;
  /** requests being served (stored): a connection waiting on the store is not idle */
  busy = 0;

  constructor(
    readonly socket: net.Socket,
    readonly peer: string,
    private readonly clock: Clock,
  ) {
    this.lastActivity = clock.now();
  }

  /** Bytes arrived. */
  touch(): void {
    this.lastActivity = this.clock.now();
  }

  /** From now on headers (or the handshake) must complete within header_timeout. */
  expectHeaders(): void {
    this.waitingSince = this.clock.now();
    this.touch();
  }

  headersDone(): void {
    this.waitingSince = undefined;
    this.touch();
  }
}

export interface GateOptions {
  limits: ListenerLimits;
  clock: Clock;
  log: Logger;
  budget: FdBudget;
}

export class ConnectionGate {
  readonly counters = { connections_refused: 0, connections_timed_out: 0 };
  private readonly open = new Map<net.Socket, Connection>();
  private readonly perPeer = new Map<string, number>();
  private sweeper?: TimerHandle;
  private refusedSinceLog = 0;
  private lastRefusalLog = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: GateOptions) {}

  get size(): number {
    return this.open.size;
  }

  /** Starts closing connections past their timeouts. */
  start(): void {
    const { header_timeout, idle_timeout } = this.opts.limits;
    const every = Math.max(100, (Math.min(header_timeout, idle_timeout) * 1000) / 4);
    this.sweeper = this.opts.clock.setInterval(() => this.sweep(), every);
  }

  stop(): void {
    this.sweeper?.cancel();
  }

  /** Closes every tracked connection (the listener is stopping; a half-open TLS handshake included). */
  closeAll(): void {
    for (const c of [...this.open.values()]) c.socket.destroy();
  }

  /** A new connection: admitted (and tracked until it closes), or closed at once and reported. */
  admit(socket: net.Socket): Connection | undefined {
    const peer = socket.remoteAddress ?? "unknown";
    const refusal = this.refusal(peer);
    if (refusal) {
      socket.destroy();
      this.reportRefusal(peer, refusal);
      return undefined;
    }
    this.opts.budget.take();
    const conn = new Connection(socket, peer, this.opts.clock);
    this.open.set(socket, conn);
    this.perPeer.set(peer, (this.perPeer.get(peer) ?? 0) + 1);
    socket.once("close", () => this.release(conn));
    return conn;
  }

  get(socket: net.Socket): Connection | undefined {
    return this.open.get(socket);
  }

  /** The tracked connection of a peer address and port (a TLS socket's underlying TCP connection). */
  find(address: string | undefined, port: number | undefined): Connection | undefined {
    for (const c of this.open.values()) {
      if (c.socket.remoteAddress === address && c.socket.remotePort === port) return c;
    }
    return undefined;
  }

  private refusal(peer: string): string | undefined {
    const { max_connections, max_connections_per_peer } = this.opts.limits;
    if (this.open.size >= max_connections) return `max_connections (${max_connections}) reached`;
    if ((this.perPeer.get(peer) ?? 0) >= max_connections_per_peer)
      return `max_connections_per_peer (${max_connections_per_peer}) reached for this address`;
    if (this.opts.budget.inUse >= this.opts.budget.capacity)
      return `the listeners' share of open files (${this.opts.budget.capacity}, half of RLIMIT_NOFILE) is used up`;
    return undefined;
  }

  private reportRefusal(peer: string, reason: string): void {
    this.counters.connections_refused++;
    this.refusedSinceLog++;
    const now = this.opts.clock.now();
    if (now - this.lastRefusalLog < REFUSAL_LOG_EVERY_MS) return;
    this.opts.log.warn(
      { peer, reason, refused: this.refusedSinceLog, open: this.open.size },
      "connection refused: over the listener's limits",
    );
    this.lastRefusalLog = now;
    this.refusedSinceLog = 0;
  }

  private release(conn: Connection): void {
    if (!this.open.delete(conn.socket)) return;
    this.opts.budget.give();
    const n = (this.perPeer.get(conn.peer) ?? 1) - 1;
    if (n > 0) this.perPeer.set(conn.peer, n);
    else this.perPeer.delete(conn.peer);
  }

  /** Closes connections past header_timeout or idle_timeout. */
  sweep(): void {
    const now = this.opts.clock.now();
    const headerMs = this.opts.limits.header_timeout * 1000;
    const idleMs = this.opts.limits.idle_timeout * 1000;
    for (const c of this.open.values()) {
      let why: string | undefined;
      if (c.waitingSince !== undefined && now - c.waitingSince >= headerMs) why = "header_timeout";
      else if (c.busy === 0 && now - c.lastActivity >= idleMs) why = "idle_timeout";
      if (!why) continue;
      this.counters.connections_timed_out++;
      this.opts.log.debug({ peer: c.peer, timeout: why }, "closing a connection past its timeout");
      c.socket.destroy();
      this.release(c);
    }
  }
}
