/**
 * The agent's side of the fleet (`mamori agent run`): the agent's own sources write into its own store
 * (its spool, which keeps collecting while the server is away); this part sends what the store holds in
 * id order as sequenced batches, moves its position only after the server's ack, beats, and carries out
 * the server's commands. Its position ({seq, lastId}) is a checkpoint in the agent's store.
 */
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import http2 from "node:http2";
import { isIP } from "node:net";
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { ConfigError, errorMessage, formatProblem } from "../../core/errors.js";
import type { Service } from "../../service.js";
import type { LogStore } from "../../store/store.js";
import { certFingerprint, createCsr } from "../ca/ca.js";
import { importKeyPair, readPrivateFile, writePublicFile } from "../ca/keys.js";
import type { AgentConfig } from "../config.js";
import type { AgentPosition } from "../server/ingest.js";
import { ndjsonReader, PROTOCOL_PATHS } from "../wire.js";
import { hostOf, postJson } from "./enroll.js";
import { agentFiles } from "./files.js";

export interface AgentCommand {
  id: string;
  type: string;
  [k: string]: unknown;
}

export interface ForwarderDeps {
  dataDir: string;
  logs: LogStore;
  clock: Clock;
  log: Logger;
  version: string;
  /** carries out a server command (ban, unban, ...); resolves once done, then it is acknowledged */
  onCommand?: (cmd: AgentCommand) => Promise<void>;
  /** the config version this agent runs */
  configVersion?: () => string | null;
  /**
   * the stream of this host's own events (its host name: the sources' default `{hostname}`, host checks,
   * bans): those are sent without a stream and land under the agent's name; any other stream a source
   * set is sent along and kept
   */
  ownStream?: () => string;
}

const POSITION = { source: "fleet-forwarder", key: "position" };
const IDLE_POLL_MS = 200;
const MAX_REFUSED_RETRY_S = 300;

/**
 * The server refused this agent (revoked, certificate replaced, clone suspected): unlike a network
 * failure it will not clear by itself soon, so the agent says so loudly and tries less often.
 */
export class RefusedError extends Error {}

/**
 * Seconds before the next try: `retry` after a network failure; after the Nth refusal in a row,
 * `retry` doubled N-1 times, at most 5 minutes (or `retry`, if that is longer).
 */
export function retryDelayS(retryS: number, refusalsInARow: number): number {
  if (refusalsInARow <= 0) return retryS;
  return Math.min(Math.max(retryS, MAX_REFUSED_RETRY_S), retryS * 2 ** (refusalsInARow - 1));
}

export class AgentForwarder implements Service {
  readonly name = "fleet-agent";
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private session?: http2.ClientHttp2Session;
  private beat?: TimerHandle;
  private heartbeatS = 10;
  private refusedInARow = 0;
  readonly counters = { sent: 0, batches: 0, connects: 0, commands: 0, refusals: 0, dropped: 0, renewals: 0 };
  /** why the last connection ended, for status and tests */
  lastError?: string;
  connected = false;

  constructor(
    private readonly config: AgentConfig,
    private readonly deps: ForwarderDeps,
  ) {}

  async start(): Promise<void> {
    const files = agentFiles(this.deps.dataDir);
    const ca = fs.readFileSync(files.ca, "utf8");
    if (certFingerprint(ca) !== this.config.ca_fingerprint)
      throw new Error(
        `${files.ca} is not the CA this agent enrolled with (ca_fingerprint in agent.yaml); enroll again with a new data dir`,
      );
    await this.enforceSpoolMax();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error("stopping"));
    this.beat?.cancel();
    this.session?.close();
    await this.loop?.catch(() => {});
  }

  stats(): Record<string, unknown> {
    return { ...this.counters, connected: this.connected, lastError: this.lastError };
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      let waitS = this.config.retry;
      try {
        await this.connectAndServe();
      } catch (err) {
        if (signal.aborted) break;
        this.lastError = errorMessage(err);
        if (err instanceof RefusedError) {
          waitS = retryDelayS(this.config.retry, ++this.refusedInARow);
          this.deps.log.error(
            { err: this.lastError, server: this.config.server, agent: this.config.id, retryS: waitS },
            "fleet agent: the server refused this agent; trying again less and less often (up to every 5 minutes); events keep collecting in the local store",
          );
        } else
          this.deps.log.warn(
            { err: this.lastError, server: this.config.server, retryS: waitS },
            "fleet agent: disconnected from the server; events keep collecting in the local store",
          );
      } finally {
        this.connected = false;
        this.beat?.cancel();
        this.session?.destroy();
        this.session = undefined;
      }
      await this.deps.clock.sleep(waitS * 1000, signal).catch(() => {});
    }
  }

  private connect(): Promise<http2.ClientHttp2Session> {
    const files = agentFiles(this.deps.dataDir);
    const { host, port } = hostOf(this.config.server);
    return new Promise((resolve, reject) => {
      const session = http2.connect(`https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`, {
        ca: fs.readFileSync(files.ca, "utf8"),
        key: readPrivateFile(files.key),
        cert: fs.readFileSync(files.cert, "utf8"),
        servername: isIP(host) ? undefined : host,
        minVersion: "TLSv1.3",
      });
      session.once("error", reject);
      session.once("connect", () => {
        session.off("error", reject);
        resolve(session);
      });
    });
  }

  private async connectAndServe(): Promise<void> {
    const session = await this.connect();
    this.session = session;
    const closed = new Promise<void>((resolve, reject) => {
      session.once("close", () => resolve());
      session.once("error", reject);
      session.once("goaway", () => resolve());
    });
    closed.catch(() => {});
    await this.openCommands(session);
    this.counters.connects++;
    this.connected = true;
    this.lastError = undefined;
    this.refusedInARow = 0;
    this.deps.log.info({ server: this.config.server, agent: this.config.id }, "fleet agent: connected");
    if (await this.renewIfDue(session)) return; // reconnects with the new certificate
    await this.heartbeat(session);
    this.beat = this.deps.clock.setInterval(
      () => void this.heartbeat(session).catch(() => {}),
      this.heartbeatS * 1000,
    );
    await Promise.race([this.forward(session), closed]);
  }

  /**
   * Renews the client certificate over the authenticated session when it expires within
   * `renew_before` (same key, new certificate); returns true when it did (the caller reconnects).
   */
  private async renewIfDue(session: http2.ClientHttp2Session): Promise<boolean> {
    const files = agentFiles(this.deps.dataDir);
    const current = new X509Certificate(fs.readFileSync(files.cert, "utf8"));
    const left = Date.parse(current.validTo) - this.deps.clock.now();
    if (left > this.config.renew_before * 1000) return false;
    const keys = await importKeyPair(readPrivateFile(files.key));
    const res = await postJson(session, PROTOCOL_PATHS.renew, {
      csr: await createCsr(keys, this.config.name),
    });
    if (res.status !== 200 || typeof res.body.cert !== "string")
      throw new Error(`the server refused to renew the certificate: ${String(res.body.error ?? res.status)}`);
    writePublicFile(files.cert, res.body.cert);
    this.counters.renewals++;
    this.deps.log.info(
      { agent: this.config.id, validTo: new X509Certificate(res.body.cert).validTo },
      "fleet agent: certificate renewed",
    );
    session.close();
    return true;
  }

  /** Opens the command stream; resolves once the server said hello, rejects with its refusal. */
  private openCommands(session: http2.ClientHttp2Session): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = session.request({ ":method": "GET", ":path": PROTOCOL_PATHS.commands });
      req.end();
      let ok = false;
      let status = 0;
      let refusal = "";
      req.once("response", (h) => {
        status = Number(h[":status"]);
        ok = status === 200;
        if (!ok) this.counters.refusals++;
      });
      const feed = ndjsonReader((v) => {
        const cmd = v as AgentCommand;
        if (cmd.type === "hello") {
          if (typeof cmd.heartbeat === "number" && cmd.heartbeat > 0) this.heartbeatS = cmd.heartbeat;
          resolve();
          return;
        }
        void this.carryOut(session, cmd);
      });
      req.on("data", (chunk: Buffer) => {
        if (!ok) {
          refusal += chunk.toString();
          return;
        }
        try {
          feed(chunk);
        } catch (err) {
          this.deps.log.warn({ err: errorMessage(err) }, "fleet agent: bad command line from the server");
          session.destroy();
        }
      });
      req.on("end", () => {
        if (!ok) {
          let why = refusal;
          try {
            why = String(JSON.parse(refusal).error);
          } catch {}
          const refused = `the server refused this agent: ${why}`;
          reject(status >= 400 && status < 500 ? new RefusedError(refused) : new Error(refused));
        } else session.close();
      });
      req.on("error", reject);
    });
  }

  private async carryOut(session: http2.ClientHttp2Session, cmd: AgentCommand): Promise<void> {
    try {
      await this.deps.onCommand?.(cmd);
      this.counters.commands++;
      await postJson(session, PROTOCOL_PATHS.commandAck, { id: cmd.id, ok: true });
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err), command: cmd.type }, "fleet agent: a command failed");
      const problems = err instanceof ConfigError ? err.problems.map(formatProblem) : undefined;
      await postJson(session, PROTOCOL_PATHS.commandAck, {
        id: cmd.id,
        type: cmd.type,
        version: cmd.version,
        ok: false,
        error: errorMessage(err),
        problems,
      }).catch(() => {});
    }
  }

  private async position(): Promise<AgentPosition> {
    const v = await this.deps.logs.getCheckpoint(POSITION.source, POSITION.key);
    return v ? (JSON.parse(v) as AgentPosition) : { seq: 0, lastId: 0 };
  }

  private async savePosition(p: AgentPosition): Promise<void> {
    await this.deps.logs.ingest({
      events: [],
      checkpoints: [{ ...POSITION, value: JSON.stringify(p) }],
      metricPoints: [],
    });
  }

  /**
   * Keeps the unsent events under `spool_max` bytes: when over, the oldest unsent ones are dropped (the
   * newest are kept), counted and reported in the heartbeat. Runs at start and at each beat.
   */
  async enforceSpoolMax(): Promise<number> {
    const pos = await this.position();
    const bytes = await this.deps.logs.unsentBytes(pos.lastId);
    if (bytes <= this.config.spool_max) return 0;
    // free a tenth more than needed, so a full spool is not trimmed at every beat
    const dropped = await this.deps.logs.dropOldest(pos.lastId, bytes - this.config.spool_max * 0.9);
    this.counters.dropped += dropped;
    this.deps.log.warn(
      { dropped, spoolBytes: bytes, spoolMax: this.config.spool_max },
      "fleet agent: spool full; the oldest unsent events were dropped",
    );
    return dropped;
  }

  private async heartbeat(session: http2.ClientHttp2Session): Promise<void> {
    await this.enforceSpoolMax().catch((err) =>
      this.deps.log.error({ err: errorMessage(err) }, "fleet agent: checking the spool failed"),
    );
    const pos = await this.position();
    const cpu = process.cpuUsage();
    await postJson(session, PROTOCOL_PATHS.heartbeat, {
      version: this.deps.version,
      configVersion: this.deps.configVersion?.() ?? null,
      counters: {
        sent: this.counters.sent,
        spooled: await this.deps.logs.countSince(pos.lastId),
        dropped: this.counters.dropped,
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        rss: process.memoryUsage.rss(),
      },
    });
  }

  /** Sends the store's events after the acked position, batch after batch, until the session ends. */
  private async forward(session: http2.ClientHttp2Session): Promise<void> {
    const signal = this.abort.signal;
    let pos = await this.position();
    while (!signal.aborted && !session.closed && !session.destroyed) {
      const events = await this.deps.logs.since(pos.lastId, this.config.batch_size);
      if (events.length === 0) {
        await this.deps.clock.sleep(IDLE_POLL_MS, signal).catch(() => {});
        continue;
      }
      const seq = pos.seq + 1;
      const own = this.deps.ownStream?.();
      const res = await postJson(session, PROTOCOL_PATHS.batch, {
        seq,
        events: events.map((e) => ({
          id: e.id,
          group: e.group,
          ...(own !== undefined && e.stream !== own ? { stream: e.stream } : {}),
          timestamp: e.timestamp,
          message: e.message,
        })),
      });
      const behind = res.body.position as AgentPosition | undefined;
      if (
        res.status === 409 &&
        behind &&
        Number.isSafeInteger(behind.seq) &&
        Number.isSafeInteger(behind.lastId)
      ) {
        // the server is behind this agent (restored from a backup): resend from where it is
        this.deps.log.warn(
          { server: behind, agent: pos },
          "fleet agent: the server is behind; resending from its position",
        );
        pos = { seq: behind.seq, lastId: Math.min(pos.lastId, behind.lastId) };
        await this.savePosition(pos);
        continue;
      }
      if (res.status !== 200)
        throw new Error(`the server refused batch ${seq}: ${String(res.body.error ?? res.status)}`);
      const ack = res.body as unknown as AgentPosition;
      if (!Number.isSafeInteger(ack.seq) || !Number.isSafeInteger(ack.lastId))
        throw new Error("the server's acknowledgement is malformed");
      this.counters.sent += events.filter((e) => e.id > pos.lastId && e.id <= ack.lastId).length;
      this.counters.batches++;
      pos = { seq: ack.seq, lastId: ack.lastId };
      await this.savePosition(pos);
    }
  }
}
