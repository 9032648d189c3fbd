/**
 * The syslog receiver: UDP (one message per datagram), TCP and TLS (RFC 6587 framing, see framing.ts).
 * Each message becomes one event: event time and stream (the sending host) from the parsed header, or
 * the receive time and the peer address when the message is malformed (kept as raw text and counted).
 * Network input has no checkpoints: what was received and stored is all there is to resume from.
 */
import dgram from "node:dgram";
import net from "node:net";
import tls from "node:tls";
import { errorMessage } from "../../core/errors.js";
import type { LogEvent } from "../../core/event.js";
import { EventBatcher } from "../shared/batcher.js";
import { type Connection, ConnectionGate } from "../shared/connection-gate.js";
import { type FdBudget, fdFigures, listenerFdBudget } from "../shared/fd-budget.js";
import { parseHostPort } from "../shared/listen.js";
import { expandStream } from "../shared/stream-template.js";
import { readTlsFiles } from "../shared/tls-files.js";
import type { Source, SourceContext, SourceStats } from "../types.js";
import type { SyslogSourceConfig } from "./config.js";
import { type Frame, type FramerCounters, SyslogFramer } from "./framing.js";
import { parseSyslog } from "./parse.js";

export interface ListenAddress {
  proto: "udp" | "tcp" | "tls";
  host: string;
  port: number;
}

/** "udp://127.0.0.1:5514", "tls://[::1]:6514" → parts (the schema has checked the shape). */
export function parseListen(listen: string): ListenAddress {
  const m = /^(udp|tcp|tls):\/\/(.*)$/.exec(listen);
  if (!m)
    throw new Error(
      `syslog listen "${listen}": expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT`,
    );
  return { proto: m[1] as ListenAddress["proto"], ...parseHostPort(m[2], "syslog listen") };
}

const MAX_STREAM_CHARS = 512;
const UDP_RECV_BUFFER = 4 * 1024 * 1024;

export class SyslogSource implements Source {
  private readonly addr: ListenAddress;
  private readonly counters = {
    received: 0,
    rfc3164: 0,
    rfc5424: 0,
    malformed: 0,
    connections: 0,
    tls_errors: 0,
    dropped: 0,
    lost_in_store: 0,
  };
  private readonly framing: FramerCounters = { cut: 0, partial: 0, badLength: 0 };
  private readonly batcher: EventBatcher;
  private readonly sockets = new Set<net.Socket>();
  private readonly gate: ConnectionGate;
  private readonly budget: FdBudget;
  private boundPort = 0;
  private ready!: () => void;
  /** resolves once the socket is bound (tests read `port` after it) */
  readonly listening = new Promise<void>((r) => {
    this.ready = r;
  });

  constructor(
    private readonly config: SyslogSourceConfig,
    private readonly ctx: SourceContext,
    opts: { budget?: FdBudget } = {},
  ) {
    this.addr = parseListen(config.listen);
    this.budget = opts.budget ?? listenerFdBudget;
    this.gate = new ConnectionGate({
      limits: config.limits,
      clock: ctx.clock,
      log: ctx.log,
      budget: this.budget,
    });
    this.batcher = new EventBatcher({
      emit: (b) => ctx.emit(b),
      onError: (err, n) => {
        this.counters.lost_in_store += n;
        ctx.log.error({ err: errorMessage(err) }, "could not store %d syslog messages; they are lost", n);
      },
    });
  }

  /** the bound port (useful with port 0) */
  get port(): number {
    return this.boundPort;
  }

  stats(): SourceStats {
    return {
      ...this.counters,
      cut: this.framing.cut,
      partial: this.framing.partial,
      bad_length: this.framing.badLength,
      ...this.gate.counters,
      open_connections: this.gate.size,
    };
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const close = this.addr.proto === "udp" ? await this.startUdp() : await this.startStream();
    const limits = this.addr.proto === "udp" ? {} : { ...this.config.limits, ...fdFigures(this.budget) };
    this.ctx.log.info(
      { listen: `${this.addr.proto}://${this.addr.host}:${this.boundPort}`, ...limits },
      "syslog listening",
    );
    this.ready();
    await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
    this.gate.stop();
    await close();
    await this.batcher.idle();
  }

  /** One received message → event (stream: config, else the sending host, else the peer address). */
  private accept(text: string, peer: string, overflow = false): void {
    const now = this.ctx.clock.now();
    const parsed = parseSyslog(text, now);
    this.counters.received++;
    let event: LogEvent;
    if (parsed) {
      this.counters[parsed.format]++;
      event = {
        group: this.config.group,
        stream: this.stream(parsed.hostname ?? peer),
        timestamp: parsed.timestamp ?? now,
        ingestTime: now,
        message: parsed.line,
      };
    } else {
      this.counters.malformed++;
      event = {
        group: this.config.group,
        stream: this.stream(peer),
        timestamp: now,
        ingestTime: now,
        message: text,
      };
    }
    if (!this.batcher.add(event, overflow)) this.counters.dropped++;
  }

  private stream(host: string): string {
    if (this.config.stream) return expandStream(this.config.stream, this.ctx);
    return host.slice(0, MAX_STREAM_CHARS) || "unknown";
  }

  private async startUdp(): Promise<() => Promise<void>> {
    const sock = dgram.createSocket({ type: net.isIPv6(this.addr.host) ? "udp6" : "udp4" });
    const max = this.config.max_message_bytes;
    sock.on("message", (msg, rinfo) => {
      let end = msg.length;
      if (end > max) {
        this.framing.cut++;
        end = max;
      }
      while (end > 0 && (msg[end - 1] === 0x0a || msg[end - 1] === 0x0d || msg[end - 1] === 0)) end--;
      if (end > 0) this.accept(msg.toString("utf8", 0, end), rinfo.address);
    });
    sock.on("error", (err) => this.ctx.log.warn({ err: errorMessage(err) }, "syslog UDP socket error"));
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind(this.addr.port, this.addr.host, () => {
        sock.off("error", reject);
        resolve();
      });
    });
    try {
      sock.setRecvBufferSize(UDP_RECV_BUFFER);
    } catch {
      // the kernel caps it (net.core.rmem_max); the default still works, bursts may drop sooner
    }
    this.boundPort = sock.address().port;
    return () => new Promise<void>((r) => sock.close(() => r()));
  }

  private async startStream(): Promise<() => Promise<void>> {
    let server: net.Server;
    if (this.addr.proto === "tls") {
      if (!this.config.tls) throw new Error(`syslog ${this.config.listen}: tls:// needs tls: { cert, key }`);
      const { cert, key, ca } = await readTlsFiles(`syslog ${this.config.listen}`, this.config.tls);
      // With a CA, only clients holding a certificate it signed may send (mutual TLS).
      server = tls.createServer({
        cert,
        key,
        ca,
        requestCert: !!ca,
        rejectUnauthorized: !!ca,
        handshakeTimeout: this.config.limits.header_timeout * 1000,
      });
      // admitted as TCP connections (below); the handshake must finish within header_timeout
      server.on("connection", (raw: net.Socket) => this.gate.admit(raw)?.expectHeaders());
      server.on("secureConnection", (sock: tls.TLSSocket) => {
        const conn = this.gate.find(sock.remoteAddress, sock.remotePort);
        if (!conn) return void sock.destroy(); // its TCP connection was refused or closed meanwhile
        conn.headersDone();
        this.handleConnection(sock, conn);
      });
      server.on("tlsClientError", (err) => {
        this.counters.tls_errors++;
        this.ctx.log.debug({ err: errorMessage(err) }, "syslog TLS handshake failed");
      });
    } else {
      server = net.createServer();
      server.on("connection", (sock: net.Socket) => {
        const conn = this.gate.admit(sock);
        if (conn) this.handleConnection(sock, conn);
      });
    }
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.addr.port, this.addr.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (err) => this.ctx.log.warn({ err: errorMessage(err) }, "syslog server error"));
    this.boundPort = (server.address() as net.AddressInfo).port;
    this.gate.start();
    return async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of this.sockets) s.destroy();
      this.gate.closeAll();
      await closed;
    };
  }

  private handleConnection(sock: net.Socket, conn: Connection): void {
    this.counters.connections++;
    this.sockets.add(sock);
    const peer = sock.remoteAddress ?? "unknown";
    const framer = new SyslogFramer(this.config.max_message_bytes, this.config.framing, this.framing);
    const deliver = (frames: Frame[]) => {
      for (const f of frames) this.accept(f.text, peer, true);
    };
    sock.on("data", (chunk: Buffer) => {
      conn.touch();
      deliver(framer.push(chunk));
      if (this.batcher.full && !sock.isPaused()) {
        // backpressure: stop reading until the store has caught up (TCP slows the sender down)
        sock.pause();
        conn.busy++; // paused by us: not idle
        this.batcher.onceDrained(() => {
          conn.busy--;
          conn.touch();
          sock.resume();
        });
      }
    });
    sock.on("error", (err) =>
      this.ctx.log.debug({ err: errorMessage(err), peer }, "syslog connection error"),
    );
    sock.on("close", () => {
      // after an end or a reset alike: a message the peer did not finish is kept (and counted as partial)
      this.sockets.delete(sock);
      deliver(framer.end());
    });
  }
}
