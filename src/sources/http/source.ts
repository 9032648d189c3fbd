/**
 * HTTP ingest, PutLogEvents-like: `POST /v1/logs/{group}/{stream}` with `Authorization: Bearer <token>`
 * and {"events":[{"timestamp":ms,"message":"..."}]}. The whole batch is checked before anything is
 * stored, and 200 {"accepted":N} is sent only once the batch is committed: a client that gets no 200
 * may retry without fearing a half-written batch. No checkpoints: the client holds the data until 200.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type http from "node:http";
import type net from "node:net";
import { errorMessage } from "../../core/errors.js";
import type { LogEvent } from "../../core/event.js";
import { type Connection, ConnectionGate } from "../shared/connection-gate.js";
import { type FdBudget, fdFigures, listenerFdBudget } from "../shared/fd-budget.js";
import { parseHostPort } from "../shared/listen.js";
import type { Source, SourceContext, SourceStats } from "../types.js";
import { parseIngestBody, parseIngestPath } from "./batch.js";
import type { HttpSourceConfig } from "./config.js";
import { createIngestServer } from "./server.js";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** a counter of its own for this rejection, instead of the one for its status */
    readonly counter?: "rejected_bad_timestamp",
  ) {
    super(message);
  }
}

/** A configured token: its digest, and the log groups it may write to (undefined: any the source allows). */
interface TokenEntry {
  digest: Buffer;
  groups?: ReadonlySet<string>;
}

export class HttpIngestSource implements Source {
  private readonly tokens: TokenEntry[];
  private readonly allowedGroups?: Set<string>;
  private readonly counters = {
    requests: 0,
    accepted_events: 0,
    rejected_auth: 0,
    rejected_too_large: 0,
    rejected_bad_request: 0,
    rejected_forbidden: 0,
    rejected_bad_timestamp: 0,
    tls_errors: 0,
    store_errors: 0,
  };
  private readonly gate: ConnectionGate;
  private readonly budget: FdBudget;
  private inFlight = 0;
  private idle: Array<() => void> = [];
  private boundPort = 0;
  private ready!: () => void;
  /** resolves once the server listens (tests read `port` after it) */
  readonly listening = new Promise<void>((r) => {
    this.ready = r;
  });

  constructor(
    private readonly config: HttpSourceConfig,
    private readonly ctx: SourceContext,
    opts: { budget?: FdBudget } = {},
  ) {
    this.budget = opts.budget ?? listenerFdBudget;
    this.gate = new ConnectionGate({
      limits: config.limits,
      clock: ctx.clock,
      log: ctx.log,
      budget: this.budget,
    });
    this.tokens = config.tokens.map((t) =>
      typeof t === "string" ? { digest: digest(t) } : { digest: digest(t.token), groups: new Set(t.groups) },
    );
    this.allowedGroups = config.groups ? new Set(config.groups) : undefined;
  }

  get port(): number {
    return this.boundPort;
  }

  stats(): SourceStats {
    return { ...this.counters, ...this.gate.counters, open_connections: this.gate.size };
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const { host, port } = parseHostPort(this.config.listen, "http listen");
    const server = await createIngestServer(
      this.config.tls,
      (req, res) => void this.handle(req, res),
      (err) => {
        this.counters.tls_errors++;
        this.ctx.log.debug({ err: errorMessage(err) }, "http ingest TLS handshake failed");
      },
    );
    server.requestTimeout = 60_000;
    // the gate's own header/idle timeouts run on the Clock; Node's are a backstop on real time
    server.headersTimeout = this.config.limits.header_timeout * 1000;
    server.on("connection", (sock: net.Socket) => this.gate.admit(sock)?.expectHeaders());
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (err) => this.ctx.log.warn({ err: errorMessage(err) }, "http ingest server error"));
    this.boundPort = (server.address() as { port: number }).port;
    this.gate.start();
    this.ctx.log.info(
      {
        listen: `${host}:${this.boundPort}`,
        tls: !!this.config.tls,
        ...this.config.limits,
        ...fdFigures(this.budget),
      },
      "http ingest listening",
    );
    this.ready();
    await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
    this.gate.stop();
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeIdleConnections();
    // requests being stored get their answer before the server goes away
    if (this.inFlight > 0) await new Promise<void>((r) => this.idle.push(r));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.counters.requests++;
    this.inFlight++;
    const conn = this.gate.get(req.socket);
    conn?.headersDone();
    // keep-alive: the next request's headers must come within header_timeout of this answer
    res.once("finish", () => conn?.expectHeaders());
    try {
      const accepted = await this.ingest(req, conn);
      this.counters.accepted_events += accepted;
      reply(res, 200, { accepted });
    } catch (err) {
      if (err instanceof HttpError) {
        req.resume(); // an unread body is drained, not parsed
        this.count(err.status, err.counter);
        if (err.status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="mamori"');
        if (err.status === 405) res.setHeader("Allow", "POST");
        if (err.status === 413) res.setHeader("Connection", "close");
        reply(res, err.status, { error: err.message });
      } else {
        this.counters.store_errors++;
        this.ctx.log.error({ err: errorMessage(err) }, "http ingest: could not store a batch");
        reply(res, 503, { error: "the batch could not be stored; nothing was written, retry later" });
      }
    } finally {
      if (--this.inFlight === 0) for (const r of this.idle.splice(0)) r();
    }
  }

  /** Checks everything, then stores the whole batch; returns how many events were stored. */
  private async ingest(req: http.IncomingMessage, conn: Connection | undefined): Promise<number> {
    const route = parseIngestPath(new URL(req.url ?? "/", "http://localhost").pathname);
    if (!route) throw new HttpError(404, "not found: POST /v1/logs/{group}/{stream} (names URL-encoded)");
    if (req.method !== "POST") throw new HttpError(405, "use POST");
    const token = this.tokenOf(req.headers.authorization);
    if (!token) {
      throw new HttpError(401, "missing or wrong bearer token (Authorization: Bearer <token>)");
    }
    if (!route.ok) throw new HttpError(400, route.error);
    const { group, stream } = route.value;
    if (this.allowedGroups && !this.allowedGroups.has(group)) {
      throw new HttpError(
        403,
        `log group "${group}" may not be written here (allowed: ${[...this.allowedGroups].join(", ")})`,
      );
    }
    if (token.groups && !token.groups.has(group)) {
      throw new HttpError(
        403,
        `this token may not write to log group "${group}" (its groups: ${[...token.groups].join(", ")})`,
      );
    }
    const body = await readBody(req, this.config.max_body_bytes, conn);
    const parsed = parseIngestBody(body);
    if (!parsed.ok)
      throw new HttpError(
        400,
        parsed.error,
        parsed.field === "timestamp" ? "rejected_bad_timestamp" : undefined,
      );
    const now = this.ctx.clock.now();
    const events: LogEvent[] = parsed.value.map((e) => ({
      group,
      stream,
      timestamp: e.timestamp,
      ingestTime: now,
      message: e.message,
    }));
    if (conn) conn.busy++; // waiting on the store is not idling
    try {
      if (events.length > 0) await this.ctx.emit({ events, checkpoints: [] });
    } finally {
      if (conn) conn.busy--;
    }
    return events.length;
  }

  /**
   * The configured token presented, if any. Every token is compared (equal-length digests, constant
   * time): no early exit leaks which.
   */
  private tokenOf(header: string | undefined): TokenEntry | undefined {
    const m = /^Bearer +(\S+) *$/i.exec(header ?? "");
    if (!m) return undefined;
    const presented = digest(m[1]);
    let found: TokenEntry | undefined;
    for (const t of this.tokens) if (timingSafeEqual(presented, t.digest)) found ??= t;
    return found;
  }

  private count(status: number, counter?: HttpError["counter"]): void {
    if (counter) this.counters[counter]++;
    else if (status === 401) this.counters.rejected_auth++;
    else if (status === 413) this.counters.rejected_too_large++;
    else if (status === 403) this.counters.rejected_forbidden++;
    else this.counters.rejected_bad_request++;
  }
}

/** Reads the body up to limit bytes; a larger one (declared or sent) is a 413 before it is buffered. */
function readBody(req: http.IncomingMessage, limit: number, conn: Connection | undefined): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) {
    req.resume(); // drain what is in flight; the connection is closed after the answer
    return Promise.reject(new HttpError(413, `the body is larger than ${limit} bytes (max_body_bytes)`));
  }
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      conn?.touch();
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new HttpError(413, `the body is larger than ${limit} bytes (max_body_bytes)`));
        return;
      }
      parts.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(parts, size).toString("utf8")));
    req.on("error", reject);
    req.on("aborted", () => reject(new HttpError(400, "the request was aborted")));
  });
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
