/**
 * `mamori agent enroll`: a key pair made here (the private key never leaves, mode 0600), a CSR sent with
 * the token's secret to the server, which is checked against the token's CA pin before anything is sent.
 */
import fs from "node:fs";
import http2 from "node:http2";
import { isIP } from "node:net";
import type { TLSSocket } from "node:tls";
import { certFingerprint, createCsr } from "../ca/ca.js";
import { generateKeyPair, privateKeyPem, writePrivateFile, writePublicFile } from "../ca/keys.js";
import { parseToken } from "../enroll/token.js";
import { PROTOCOL_PATHS, readJson } from "../wire.js";
import { agentFiles } from "./files.js";
import { checkPinnedServer } from "./pin.js";

export class EnrollError extends Error {}

export interface Enrolled {
  id: string;
  name: string;
  group: string;
  server: string;
  configFile: string;
}

export function hostOf(server: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(server);
  if (!m) throw new EnrollError(`"${server}" is not HOST:PORT`);
  return { host: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}

/** Opens an HTTP/2 session to the server and checks it against the pin before resolving. */
export function connectPinned(
  server: string,
  pin: string,
  timeoutMs: number,
): Promise<http2.ClientHttp2Session> {
  const { host, port } = hostOf(server);
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`, {
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      minVersion: "TLSv1.3",
    });
    // the session's idle timeout bounds the wait for the handshake (no raw timer outside core/clock.ts)
    session.setTimeout(timeoutMs, () => {
      session.destroy();
      reject(
        new EnrollError(
          `no answer from ${server} within ${timeoutMs / 1000} s; is the fleet server running and the port open?`,
        ),
      );
    });
    session.once("error", (err) => {
      reject(new EnrollError(`cannot reach the fleet server at ${server}: ${err.message}`));
    });
    session.once("connect", () => {
      session.setTimeout(0);
      const verdict = checkPinnedServer(session.socket as TLSSocket, pin, host);
      if (typeof verdict === "string") {
        session.destroy();
        reject(new EnrollError(`refusing to enroll with ${server}: ${verdict}. Nothing was sent.`));
        return;
      }
      resolve(session);
    });
  });
}

export function postJson(
  session: http2.ClientHttp2Session,
  path: string,
  body: unknown,
  max = 1024 * 1024,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/json" });
    let status = 0;
    req.once("response", (h) => {
      status = Number(h[":status"]);
    });
    readJson(req, max).then((b) => resolve({ status, body: (b ?? {}) as Record<string, unknown> }), reject);
    req.once("error", reject);
    req.end(JSON.stringify(body));
  });
}

export async function enrollAgent(o: {
  token: string;
  name: string;
  dataDir: string;
  timeoutMs?: number;
}): Promise<Enrolled> {
  const token = parseToken(o.token);
  const files = agentFiles(o.dataDir);
  if (fs.existsSync(files.config))
    throw new EnrollError(
      `${files.config} exists: this data dir already belongs to an enrolled agent; use another --data-dir (an agent's identity is never overwritten)`,
    );
  const keys = await generateKeyPair();
  const csr = await createCsr(keys, o.name);
  const session = await connectPinned(token.server, token.ca, o.timeoutMs ?? 15_000);
  let res: Awaited<ReturnType<typeof postJson>>;
  try {
    res = await postJson(session, PROTOCOL_PATHS.enroll, { secret: token.secret, csr, name: o.name });
  } finally {
    session.close();
  }
  if (res.status !== 200)
    throw new EnrollError(`the server refused to enroll this agent: ${String(res.body.error ?? res.status)}`);
  const { id, cert, ca, group } = res.body as { id: string; cert: string; ca: string; group: string };
  if (typeof ca !== "string" || certFingerprint(ca) !== token.ca)
    throw new EnrollError("the server answered with a CA that is not the pinned one; nothing was saved");
  writePrivateFile(files.key, await privateKeyPem(keys.privateKey));
  writePublicFile(files.cert, cert);
  writePublicFile(files.ca, ca);
  const q = (s: string) => JSON.stringify(s);
  writePrivateFile(
    files.config,
    [
      "# written by `mamori agent enroll`; `mamori agent run --data-dir DIR` reads it.",
      "# Add this host's own sources and jails below; its group's config comes from the server.",
      "data_dir: .",
      "agent:",
      `  server: ${q(token.server)}`,
      `  id: ${q(id)}`,
      `  name: ${q(o.name)}`,
      `  ca_fingerprint: ${q(token.ca)}`,
      "sources: []",
      "",
    ].join("\n"),
  );
  return { id, name: o.name, group, server: token.server, configFile: files.config };
}
