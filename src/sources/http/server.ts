/**
 * The listener of HTTP ingest: plain HTTP, or HTTPS with `tls: { cert, key }` (PEM files, like the syslog
 * source's TLS). With `tls.ca`, only clients holding a certificate that CA signed may connect (mutual TLS).
 */
import http from "node:http";
import https from "node:https";
import type { HttpSourceConfig } from "../../config/schema.js";
import { readTlsFiles } from "../shared/tls-files.js";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export async function createIngestServer(
  tls: HttpSourceConfig["tls"],
  handler: Handler,
  onTlsError: (err: Error) => void,
): Promise<http.Server> {
  if (!tls) return http.createServer(handler);
  const { cert, key, ca } = await readTlsFiles("http ingest", tls);
  const server = https.createServer({ cert, key, ca, requestCert: !!ca, rejectUnauthorized: !!ca }, handler);
  server.on("tlsClientError", onTlsError);
  return server;
}
