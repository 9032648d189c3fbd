/**
 * The fleet server: one TLS 1.3 port (HTTP/2) for enrollment and agent traffic. Enrollment needs no
 * client certificate; every other request must carry one this server's CA signed, of an agent that is
 * not revoked. See docs/fleet-protocol.md for every message.
 */
import http2, { type ServerHttp2Stream } from "node:http2";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { errorMessage } from "../../core/errors.js";
import type { DetectionSink } from "../../pipeline/detections.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import type { Service } from "../../service.js";
import type { AgentRecord, Store } from "../../store/store.js";
import { type FleetCa, loadOrCreateCa, loadOrIssueServerCert } from "../ca/ca.js";
import { listenOf, type ServerConfig } from "../config.js";
import { BodyError, PROTOCOL_PATHS, readJson, respondJson } from "../wire.js";
import { BatchIngest } from "./batches.js";
import { CheckDispatch } from "./checks.js";
import { CommandFeed } from "./command-feed.js";
import { enroll, parseEnrollRequest, renew } from "./enroll.js";
import { GroupCommit } from "./group-commit.js";
import { LiveAgents } from "./live.js";

export interface FleetServerDeps {
  dataDir: string;
  store: Pick<Store, "agents" | "logs" | "bans">;
  pipeline: Pick<Pipeline, "emitAndCommit" | "addConsumer" | "removeConsumer">;
  /** the jails and their `scope` (read at each ban: a reload may change them) */
  jails?: () => ReadonlyArray<{ name: string; scope: string }>;
  /** the server's config file, where agent groups' config text is read from */
  configFile?: () => string | undefined;
  /** this server's host name: the stream of its own `mamori/bans` events */
  hostname?: () => string;
  detections: DetectionSink;
  clock: Clock;
  log: Logger;
}

export const AGENTS_GROUP = "mamori/agents";
/** the group ban events are written to (src/jails/notice.ts) */
export const BANS_GROUP = "mamori/bans";

/**
 * The client certificate's id (subject CN) and SHA-256, read once per TLS connection: the certificate
 * cannot change within one (TLS 1.3, no renegotiation), and decoding it on every request was a fifth of
 * the server's CPU at 2,000 agents. What the id may do is still looked up on every request (revocation).
 */
const identities = new WeakMap<TLSSocket, { id: string | undefined; fingerprint: string }>();
function peerIdentity(socket: TLSSocket): { id: string | undefined; fingerprint: string } {
  let known = identities.get(socket);
  if (!known) {
    const cert = socket.getPeerCertificate();
    const cn = cert.subject?.CN;
    known = {
      id: typeof cn === "string" ? cn : undefined,
      fingerprint: cert.fingerprint256.replace(/:/g, "").toLowerCase(),
    };
    identities.set(socket, known);
  }
  return known;
}

export class FleetServer implements Service {
  readonly name = "fleet-server";
  private server?: http2.Http2SecureServer;
  private ca?: FleetCa;
  readonly live: LiveAgents;
  /** agents' batches of one event-loop turn, committed in one transaction */
  private readonly commits: GroupCommit;
  private readonly counters = { enrolled: 0, batches: 0, events: 0, duplicates: 0, refused: 0 };
  private readonly feed: CommandFeed;
  private readonly batches: BatchIngest;
  readonly checks: CheckDispatch;
  /** open sessions and when each last opened a request */
  private readonly sessions = new Map<http2.ServerHttp2Session, number>();
  private sweep?: TimerHandle;

  constructor(
    private readonly config: ServerConfig,
    private readonly deps: FleetServerDeps,
  ) {
    this.commits = new GroupCommit(deps.pipeline);
    this.feed = new CommandFeed(deps, () => this.live);
    this.checks = new CheckDispatch(deps, () => this.live);
    this.batches = new BatchIngest({
      store: deps.store,
      pipeline: this.commits,
      clock: deps.clock,
      log: deps.log,
      counters: this.counters,
      body: (stream, who) => this.body(stream, config.max_request_bytes, who),
      refuse: (stream, status, error, ctx) => this.refuse(stream, status, error, ctx),
    });
    this.live = new LiveAgents({
      heartbeatMs: config.heartbeat * 1000,
      agents: deps.store.agents,
      clock: deps.clock,
      log: deps.log,
      emit: (record) => deps.detections.emit(AGENTS_GROUP, record),
      initial: (agent) => this.feed.initial(agent),
    });
  }

  /** After a reload of the server's config: connected agents get their group's changed config. */
  configChanged(): void {
    this.feed.configChanged();
  }

  private get idleMs(): number {
    return Math.max(3 * this.config.heartbeat * 1000, 3000);
  }

  /** The CA's fingerprint (what tokens carry). */
  get caFingerprint(): string | undefined {
    return this.ca?.fingerprint;
  }

  /** The bound port (0 in the config picks a free one). */
  get port(): number {
    const a = this.server?.address();
    return typeof a === "object" && a ? a.port : 0;
  }

  async start(): Promise<void> {
    this.ca = await loadOrCreateCa(this.deps.dataDir, this.deps.clock);
    const own = await loadOrIssueServerCert(
      this.deps.dataDir,
      this.ca,
      { name: this.config.name, addresses: this.config.addresses },
      this.deps.clock,
    );
    const server = http2.createSecureServer({
      key: own.keyPem,
      cert: `${own.certPem.trim()}\n${this.ca.certPem.trim()}\n`,
      ca: this.ca.certPem,
      requestCert: true,
      // enrollment comes without a certificate; every other path checks `authorized` itself
      rejectUnauthorized: false,
      minVersion: "TLSv1.3",
      maxVersion: "TLSv1.3",
      maxSessionMemory: 16,
      // a peer that connects and never finishes TLS holds a socket: drop it as an idle session is dropped
      handshakeTimeout: this.idleMs,
      settings: { maxHeaderListSize: 16 * 1024, maxConcurrentStreams: 32 },
    });
    server.on("stream", (stream, headers) => {
      void this.route(stream, headers).catch((err) => {
        this.deps.log.error({ err: errorMessage(err) }, "fleet: request failed");
        respondJson(stream, 500, { error: "internal error; see the server's log" });
      });
    });
    server.on("sessionError", (err) =>
      this.deps.log.warn({ err: errorMessage(err) }, "fleet: session error"),
    );
    // prepended: http2's own listener destroys the socket (and with it the peer's address) first
    server.prependListener("tlsClientError", (err, socket) =>
      this.deps.log.warn(
        { err: errorMessage(err), address: socket.remoteAddress },
        "fleet: TLS handshake refused",
      ),
    );
    server.on("session", (session) => {
      const address = session.socket?.remoteAddress;
      this.sessions.set(session, this.deps.clock.now());
      session.on("stream", () => this.sessions.set(session, this.deps.clock.now()));
      session.on("close", () => this.sessions.delete(session));

      // a peer that sends garbage instead of HTTP/2 frames: close its session and socket, keep serving
      session.on("error", (err) => {
        this.deps.log.warn({ err: errorMessage(err), address }, "fleet: bad peer session closed");
        session.destroy();
      });
      session.on("frameError", (type, code) =>
        this.deps.log.warn(
          { type, code, address: session.socket?.remoteAddress },
          "fleet: bad frame from peer",
        ),
      );
    });
    const { host, port } = listenOf(this.config);
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err) =>
        reject(
          new Error(
            `the fleet server cannot listen on ${host}:${port} (server.listen): ${errorMessage(err)}; is another process using the port?`,
          ),
        ),
      );
      server.listen(port, host, () => {
        server.removeAllListeners("error");
        resolve();
      });
    });
    server.on("error", (err) => this.deps.log.error({ err: errorMessage(err) }, "fleet: server error"));
    this.server = server;
    this.live.start();
    this.checks.start();
    this.deps.pipeline.addConsumer({
      name: "fleet-bans",
      wants: (group) => group === BANS_GROUP,
      onEvents: (events) => this.feed.onBanEvents(events.filter((e) => e.group === BANS_GROUP)),
    });
    this.sweep = this.deps.clock.setInterval(() => this.closeIdleSessions(), this.config.heartbeat * 1000);
    this.deps.log.info(
      { listen: `${host}:${this.port}`, name: this.config.name, ca: this.ca.fingerprint },
      "fleet server listening",
    );
  }

  /**
   * A session that opened no request for 3 heartbeats is a dead or hostile peer (a live agent beats);
   * this also ends a peer that sent garbage frames and holds the connection after the server's GOAWAY.
   */
  private closeIdleSessions(): void {
    const now = this.deps.clock.now();
    for (const [session, last] of this.sessions) {
      if (now - last < this.idleMs) continue;
      this.sessions.delete(session);
      this.deps.log.warn({ address: session.socket?.remoteAddress }, "fleet: idle session closed");
      session.destroy();
    }
  }

  async stop(): Promise<void> {
    this.deps.pipeline.removeConsumer("fleet-bans");
    this.sweep?.cancel();
    this.checks.stop();
    for (const session of this.sessions.keys()) session.destroy();
    this.live.stop();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      this.live.closeAll();
    });
  }

  stats(): Record<string, unknown> {
    return { ...this.counters, live: this.live.count, commits: this.commits.counters };
  }

  private refuse(stream: ServerHttp2Stream, status: number, error: string, ctx: Record<string, unknown>) {
    this.counters.refused++;
    this.deps.log.warn({ ...ctx, status }, `fleet: refused: ${error}`);
    respondJson(stream, status, { error });
  }

  private async route(stream: ServerHttp2Stream, headers: http2.IncomingHttpHeaders): Promise<void> {
    const path = headers[":path"];
    const method = headers[":method"];
    const socket = stream.session?.socket as TLSSocket | undefined;
    const address = socket?.remoteAddress ?? null;
    if (path === PROTOCOL_PATHS.enroll && method === "POST") return this.onEnroll(stream, address);
    const agent = await this.authenticate(stream, socket, address);
    if (!agent) return;
    if (path === PROTOCOL_PATHS.batch && method === "POST") return this.batches.handle(stream, agent);
    if (path === PROTOCOL_PATHS.heartbeat && method === "POST")
      return this.onHeartbeat(stream, agent, address);
    if (path === PROTOCOL_PATHS.commands && method === "GET")
      return this.live.open(stream, agent, address, this.config.heartbeat);
    if (path === PROTOCOL_PATHS.commandAck && method === "POST") return this.onCommandAck(stream, agent);
    if (path === PROTOCOL_PATHS.renew && method === "POST") return this.onRenew(stream, agent);
    this.refuse(stream, 404, `no such request ${method} ${String(path).slice(0, 100)}`, { address });
  }

  /** The agent a request's client certificate names, or undefined after refusing the request. */
  private async authenticate(
    stream: ServerHttp2Stream,
    socket: TLSSocket | undefined,
    address: string | null,
  ): Promise<AgentRecord | undefined> {
    if (!socket?.authorized) {
      const cert = socket?.getPeerCertificate();
      const why =
        !cert || Object.keys(cert).length === 0
          ? "no client certificate (enroll first: mamori agent enroll)"
          : `client certificate not signed by this fleet's CA (${String(socket?.authorizationError)})`;
      this.refuse(stream, 401, why, { address });
      return undefined;
    }
    const cert = peerIdentity(socket);
    const id = cert.id;
    const agent = typeof id === "string" ? await this.deps.store.agents.get(id) : undefined;
    if (!agent) {
      this.refuse(stream, 403, "unknown agent", { address, agent: id });
      return undefined;
    }
    if (agent.status === "revoked") {
      this.live.cutRevoked(agent.id);
      this.refuse(stream, 403, "agent revoked (mamori agents remove)", { address, agent: id });
      stream.session?.close();
      return undefined;
    }
    if (cert.fingerprint !== agent.certFingerprint) {
      this.refuse(stream, 403, "certificate replaced by a newer one", { address, agent: id });
      return undefined;
    }
    return agent;
  }

  private async onEnroll(stream: ServerHttp2Stream, address: string | null): Promise<void> {
    const body = await this.body(stream, 64 * 1024, address);
    if (body === undefined) return;
    const req = parseEnrollRequest(body);
    if (typeof req === "string") return this.refuse(stream, 400, req, { address, request: "enroll" });
    if (!this.ca) return this.refuse(stream, 503, "server starting", { address });
    const r = await enroll(req, this.signing(this.ca));
    if (r.status !== 200) return this.refuse(stream, r.status, r.body.error, { address, request: "enroll" });
    this.counters.enrolled++;
    this.deps.log.info(
      { agent: r.body.id, name: r.body.name, group: r.body.group, address },
      "fleet: agent enrolled",
    );
    this.deps.detections.emit(AGENTS_GROUP, {
      event: "enrolled",
      agent: r.body.id,
      name: r.body.name,
      group: r.body.group,
      address,
    });
    respondJson(stream, 200, r.body);
  }

  private async onHeartbeat(stream: ServerHttp2Stream, agent: AgentRecord, address: string | null) {
    const body = await this.body(stream, 16 * 1024, agent.id);
    if (body === undefined) return;
    await this.live.beat(agent, address, body);
    respondJson(stream, 200, { heartbeat: this.config.heartbeat });
  }

  private signing(ca: FleetCa) {
    return {
      ca,
      agents: this.deps.store.agents,
      clock: this.deps.clock,
      lifetimeDays: this.config.cert_lifetime / 86_400,
    };
  }

  private async onRenew(stream: ServerHttp2Stream, agent: AgentRecord) {
    const body = await this.body(stream, 64 * 1024, agent.id);
    if (body === undefined || !this.ca) return;
    const r = await renew(agent.id, (body as { csr?: unknown }).csr, this.signing(this.ca));
    if (r.status !== 200) return this.refuse(stream, r.status, `renew: ${r.body.error}`, { agent: agent.id });
    this.deps.log.info({ agent: agent.id, name: agent.name }, "fleet: agent certificate renewed");
    this.deps.detections.emit(AGENTS_GROUP, {
      event: "certificate_renewed",
      agent: agent.id,
      name: agent.name,
    });
    respondJson(stream, 200, r.body);
  }

  private async onCommandAck(stream: ServerHttp2Stream, agent: AgentRecord) {
    const body = await this.body(stream, 16 * 1024, agent.id);
    if (body === undefined) return;
    const cmd = this.live.acked(agent.id, body);
    const b = body as {
      ok?: unknown;
      type?: unknown;
      version?: unknown;
      error?: unknown;
      problems?: unknown;
    };
    if (cmd?.type === "check") await this.checks.answered(agent, cmd, b);
    if (b.ok === false && b.type === "config") {
      const problems = Array.isArray(b.problems)
        ? b.problems.slice(0, 50).map((p) => String(p).slice(0, 500))
        : [];
      const error = String(b.error ?? "").slice(0, 2000);
      this.deps.log.warn(
        { agent: agent.id, name: agent.name, group: agent.group, version: b.version, problems, error },
        "fleet: agent rejected its group config; it keeps running the old one",
      );
      this.deps.detections.emit(AGENTS_GROUP, {
        event: "config_rejected",
        agent: agent.id,
        name: agent.name,
        group: agent.group,
        version: typeof b.version === "string" ? b.version.slice(0, 40) : null,
        problems,
        error,
      });
    }
    respondJson(stream, 200, {});
  }

  /** The request's JSON body, or undefined after refusing it (too large, not JSON). */
  private async body(stream: ServerHttp2Stream, max: number, who: string | null): Promise<unknown> {
    try {
      return await readJson(stream, max);
    } catch (err) {
      const status = err instanceof BodyError ? err.status : 400;
      this.refuse(stream, status, `request body: ${errorMessage(err)}`, { peer: who });
      if (status === 413) stream.close(http2.constants.NGHTTP2_CANCEL);
      return undefined;
    }
  }
}
