/** Raw protocol requests as an enrolled agent (or a hostile peer) makes them, for tests. */
import fs from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { agentFiles } from "../agent/files.js";

export function agentSession(
  dataDir: string,
  port: number,
  override: { key?: string; cert?: string } = {},
): Promise<http2.ClientHttp2Session> {
  const f = agentFiles(dataDir);
  return new Promise((resolve, reject) => {
    const s = http2.connect(`https://localhost:${port}`, {
      ca: fs.readFileSync(f.ca, "utf8"),
      key: override.key ?? fs.readFileSync(f.key, "utf8"),
      cert: override.cert ?? fs.readFileSync(f.cert, "utf8"),
      minVersion: "TLSv1.3",
    });
    s.once("error", reject);
    s.once("connect", () => resolve(s));
  });
}

export function request(
  s: http2.ClientHttp2Session,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = s.request({ ":method": method, ":path": path, "content-type": "application/json" });
    let status = 0;
    let text = "";
    req.on("response", (h) => (status = Number(h[":status"])));
    req.setEncoding("utf8");
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      let json = {};
      try {
        json = JSON.parse(text);
      } catch {}
      resolve({ status, text, json });
    });
    req.on("error", reject);
    if (body === undefined) req.end();
    else req.end(typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  });
}

/** Opens the command stream; resolves with its status and the first line (the hello), keeping it open. */
export function openCommands(
  s: http2.ClientHttp2Session,
): Promise<{ status: number; first: string; stream: http2.ClientHttp2Stream; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const req = s.request({ ":method": "GET", ":path": "/v1/commands" });
    req.end();
    let status = 0;
    let buf = "";
    const lines: string[] = [];
    let done = false;
    req.on("response", (h) => (status = Number(h[":status"])));
    req.setEncoding("utf8");
    req.on("data", (d: string) => {
      buf += d;
      let i = buf.indexOf("\n");
      while (i >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
        i = buf.indexOf("\n");
      }
      if (!done && (lines.length > 0 || status !== 200)) {
        done = true;
        resolve({ status, first: lines[0] ?? buf, stream: req, lines });
      }
    });
    req.on("end", () => {
      if (!done) {
        done = true;
        resolve({ status, first: lines[0] ?? buf, stream: req, lines });
      }
    });
    req.on("error", (e) => (done ? undefined : reject(e)));
  });
}

/**
 * A TCP proxy to 127.0.0.1:PORT that can be frozen: from then on it drops the bytes either way and keeps
 * both connections open, as a link that died without a FIN (power loss, NAT mapping gone).
 */
export async function freezableProxy(
  port: number,
): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  const server = net.createServer((client) => {
    const up = net.connect(port, "127.0.0.1");
    for (const s of [client, up]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    client.on("data", (d) => frozen || up.write(d));
    up.on("data", (d) => frozen || client.write(d));
    client.on("end", () => up.end());
    up.on("end", () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze: () => {
      frozen = true;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
