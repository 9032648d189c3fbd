/**
 * The fleet protocol's framing (docs/fleet-protocol.md): HTTP/2 requests with JSON bodies, bounded in
 * size; the command stream is newline-delimited JSON. Shared by the server and the agent.
 */
import type { ClientHttp2Stream, ServerHttp2Stream } from "node:http2";

export const PROTOCOL_PATHS = {
  enroll: "/v1/enroll",
  batch: "/v1/batch",
  heartbeat: "/v1/heartbeat",
  commands: "/v1/commands",
  commandAck: "/v1/command-ack",
  renew: "/v1/renew",
} as const;

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a stream's whole body as JSON, refusing more than max bytes (stops reading at once). */
export function readJson(stream: ServerHttp2Stream | ClientHttp2Stream, max: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    stream.on("data", (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        done = true;
        reject(new BodyError(413, `body larger than ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    stream.on("end", () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(text.length === 0 ? {} : JSON.parse(text));
      } catch {
        reject(new BodyError(400, "body is not JSON"));
      }
    });
    stream.on("error", (err) => {
      if (!done) {
        done = true;
        reject(err);
      }
    });
    stream.on("aborted", () => {
      if (!done) {
        done = true;
        reject(new BodyError(400, "request aborted"));
      }
    });
  });
}

export function respondJson(stream: ServerHttp2Stream, status: number, body: unknown): void {
  if (stream.destroyed || stream.closed) return;
  try {
    if (!stream.headersSent) stream.respond({ ":status": status, "content-type": "application/json" });
    stream.end(JSON.stringify(body));
  } catch {
    // the peer went away meanwhile: nothing to answer
  }
}

/** Splits newline-delimited JSON as it arrives; each complete line parsed and handed to onValue. */
export function ndjsonReader(onValue: (v: unknown) => void, maxLine = 1024 * 1024) {
  let buf = "";
  return (chunk: Buffer | string) => {
    buf += chunk.toString();
    if (buf.length > maxLine && !buf.includes("\n")) throw new Error("command line too long");
    let i = buf.indexOf("\n");
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) onValue(JSON.parse(line));
      i = buf.indexOf("\n");
    }
  };
}
