/**
 * The agent's check of the server before it sends anything: the certificate chain the server presents
 * must hold a CA certificate whose SHA-256 is the pin from the token, the server's certificate must be
 * signed by it and name the host the agent dialled. No trust on first use.
 */
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import type { DetailedPeerCertificate, TLSSocket } from "node:tls";

export function fingerprintOf(raw: Buffer): string {
  return new X509Certificate(raw).fingerprint256.replace(/:/g, "").toLowerCase();
}

/** The pinned CA's PEM when the server passes; a sentence saying why not otherwise. */
export function checkPinnedServer(socket: TLSSocket, pin: string, host: string): { caPem: string } | string {
  const leaf = socket.getPeerCertificate(true) as DetailedPeerCertificate;
  if (!leaf?.raw) return "the server presented no certificate";
  let ca: X509Certificate | undefined;
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = leaf; c?.raw; c = c.issuerCertificate) {
    const fp = fingerprintOf(c.raw);
    if (seen.has(fp)) break;
    seen.add(fp);
    if (fp === pin) ca = new X509Certificate(c.raw);
  }
  if (!ca)
    return `the server does not present the CA of the token (SHA-256 ${pin.slice(0, 16)}…): it is another server, or someone is in between`;
  if (!ca.ca) return "the pinned certificate is not a CA";
  const cert = new X509Certificate(leaf.raw);
  if (!cert.verify(ca.publicKey)) return "the server's certificate is not signed by the pinned CA";
  const named = isIP(host) ? cert.checkIP(host) : cert.checkHost(host);
  if (!named) return `the server's certificate does not name ${host}`;
  return { caPem: ca.toString() };
}
