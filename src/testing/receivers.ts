/**
 * Local stand-ins for what notifications go to, for tests and benchmarks: an HTTP receiver (Slack,
 * webhooks) and a real SMTP server (the `smtp-server` package). Both listen on loopback, ephemeral ports.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** process.hrtime.bigint() when the body was complete (for latency measurement) */
  at: bigint;
}

export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** status code (and optional delay, ms of real time) for the next requests */
  respond: (status: number, delayMs?: number) => void;
  /** resolves with the n-th request (1-based) once it has arrived */
  waitFor: (n: number, timeoutMs?: number) => Promise<ReceivedRequest>;
  close: () => Promise<void>;
}

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  let status = 200;
  let delayMs = 0;
  const waiters: Array<{ n: number; resolve: (r: ReceivedRequest) => void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: process.hrtime.bigint(),
      };
      requests.push(r);
      for (const w of waiters.filter((w) => w.n <= requests.length)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(requests[w.n - 1]);
      }
      const reply = () => {
        res.statusCode = status;
        res.end(status < 300 ? "ok" : "error");
      };
      // real time on purpose: this stands in for a slow remote server
      if (delayMs > 0) setTimeout(reply, delayMs);
      else reply();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (s, d = 0) => {
      status = s;
      delayMs = d;
    },
    waitFor: (n, timeoutMs = 10_000) =>
      requests.length >= n
        ? Promise.resolve(requests[n - 1])
        : new Promise((resolve, reject) => {
            const t = setTimeout(
              () => reject(new Error(`no request #${n} within ${timeoutMs} ms`)),
              timeoutMs,
            );
            waiters.push({
              n,
              resolve: (r) => {
                clearTimeout(t);
                resolve(r);
              },
            });
          }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  waitFor: (n: number, timeoutMs?: number) => Promise<ReceivedMail>;
  close: () => Promise<void>;
}

/** A real SMTP server (no auth, no STARTTLS) that keeps every message it is given. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const waiters: Array<{ n: number; resolve: (m: ReceivedMail) => void }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const envelope = session.envelope;
        mails.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : "",
          to: envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        for (const w of waiters.filter((w) => w.n <= mails.length)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(mails[w.n - 1]);
        }
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    mails,
    waitFor: (n, timeoutMs = 10_000) =>
      mails.length >= n
        ? Promise.resolve(mails[n - 1])
        : new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`no mail #${n} within ${timeoutMs} ms`)), timeoutMs);
            waiters.push({
              n,
              resolve: (m) => {
                clearTimeout(t);
                resolve(m);
              },
            });
          }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The text of a (7bit or quoted-printable) message body, with soft line breaks joined. */
export function mailText(raw: string): string {
  const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
  if (!/content-transfer-encoding:\s*quoted-printable/i.test(raw)) return body.replace(/\r\n/g, "\n");
  return Buffer.from(
    body
      .replace(/=\r\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
    "latin1",
  )
    .toString("utf8")
    .replace(/\r\n/g, "\n");
}

/** A header value, unfolded, with RFC 2047 encoded words (=?UTF-8?Q?...?= / ?B?) decoded. */
export function mailHeader(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.indexOf("\r\n\r\n")).replace(/\r\n[ \t]+/g, " ");
  const m = new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head);
  if (!m) return undefined;
  return m[1]
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_w, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === "B"
        ? Buffer.from(text, "base64").toString("utf8")
        : Buffer.from(
            text
              .replace(/_/g, " ")
              .replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            "latin1",
          ).toString("utf8"),
    );
}
