/**
 * mamori's own certificate authority: created at the fleet server's first start in DATA/fleet/, it signs
 * the server's certificate and every agent's client certificate. Agents pin the SHA-256 fingerprint of
 * its certificate (carried in each enrollment token), so they trust no other CA from their first packet.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import "./reflect.js"; // before @peculiar/x509, which needs it at load
import * as x509 from "@peculiar/x509";
import type { Clock } from "../../core/clock.js";
import {
  type CryptoKey,
  type CryptoKeyPair,
  EC_SIGN,
  type EcKeyAlgorithm,
  generateKeyPair,
  importKeyPair,
  privateKeyPem,
  readPrivateFile,
  writePrivateFile,
  writePublicFile,
} from "./keys.js";

const DAY_MS = 86_400_000;
export const CA_VALIDITY_DAYS = 3650;
export const CERT_VALIDITY_DAYS = 365;

export interface FleetCa {
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
  certPem: string;
  /** SHA-256 of the certificate's DER, lower-case hex */
  fingerprint: string;
}

export interface FleetFiles {
  dir: string;
  caKey: string;
  caCert: string;
  serverKey: string;
  serverCert: string;
}

export function fleetFiles(dataDir: string): FleetFiles {
  const dir = path.join(dataDir, "fleet");
  return {
    dir,
    caKey: path.join(dir, "ca.key"),
    caCert: path.join(dir, "ca.crt"),
    serverKey: path.join(dir, "server.key"),
    serverCert: path.join(dir, "server.crt"),
  };
}

/** SHA-256 of a PEM certificate's DER, lower-case hex (what tokens carry and agents compare). */
export function certFingerprint(pem: string): string {
  return createHash("sha256")
    .update(Buffer.from(x509.PemConverter.decodeFirst(pem)))
    .digest("hex");
}

function serial(): string {
  // positive 128-bit serial (top bit clear)
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString("hex");
}

/** Loads the CA of dataDir, creating it (key 0600) when there is none yet. */
export async function loadOrCreateCa(dataDir: string, clock: Clock): Promise<FleetCa> {
  const files = fleetFiles(dataDir);
  if (fs.existsSync(files.caKey) && fs.existsSync(files.caCert)) {
    const keys = await importKeyPair(readPrivateFile(files.caKey));
    const certPem = fs.readFileSync(files.caCert, "utf8");
    return { keys, cert: new x509.X509Certificate(certPem), certPem, fingerprint: certFingerprint(certPem) };
  }
  const keys = await generateKeyPair();
  const now = clock.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=mamori fleet CA ${randomBytes(4).toString("hex")}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: EC_SIGN,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString("pem");
  writePrivateFile(files.caKey, await privateKeyPem(keys.privateKey));
  writePublicFile(files.caCert, certPem);
  return { keys, cert, certPem, fingerprint: certFingerprint(certPem) };
}

async function issue(
  ca: FleetCa,
  o: {
    subject: string;
    publicKey: CryptoKey;
    usage: "server" | "client";
    sans?: x509.JsonGeneralName[];
    now: number;
    days: number;
  },
): Promise<x509.X509Certificate> {
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(
      [o.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
      false,
    ),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  if (o.sans?.length) extensions.push(new x509.SubjectAlternativeNameExtension(o.sans, false));
  return x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: o.subject,
    issuer: ca.cert.subject,
    notBefore: new Date(o.now - 60_000),
    notAfter: new Date(o.now + o.days * DAY_MS),
    signingAlgorithm: EC_SIGN,
    publicKey: o.publicKey,
    signingKey: ca.keys.privateKey,
    extensions,
  });
}

export interface ServerIdentity {
  name: string;
  addresses: readonly string[];
}

function sansOf(id: ServerIdentity): x509.JsonGeneralName[] {
  const all = [id.name, ...id.addresses];
  return [...new Set(all)].map((v) => ({ type: isIP(v) ? "ip" : "dns", value: v }));
}

/**
 * The server's key and certificate (SANs: its name and addresses), issued by the CA. Reissued when the
 * names changed, the CA changed, or it expires within 30 days; the key stays.
 */
export async function loadOrIssueServerCert(
  dataDir: string,
  ca: FleetCa,
  id: ServerIdentity,
  clock: Clock,
): Promise<{ keyPem: string; certPem: string }> {
  const files = fleetFiles(dataDir);
  const wanted = JSON.stringify(
    sansOf(id)
      .map((s) => `${s.type}:${s.value}`)
      .sort(),
  );
  if (fs.existsSync(files.serverKey) && fs.existsSync(files.serverCert)) {
    const keyPem = readPrivateFile(files.serverKey);
    const certPem = fs.readFileSync(files.serverCert, "utf8");
    const cert = new x509.X509Certificate(certPem);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    const has = JSON.stringify((san?.names.toJSON() ?? []).map((s) => `${s.type}:${s.value}`).sort());
    const fresh = cert.notAfter.getTime() - clock.now() > 30 * DAY_MS;
    if (
      has === wanted &&
      fresh &&
      cert.issuer === ca.cert.subject &&
      (await cert.verify({ publicKey: ca.cert.publicKey, signatureOnly: true }))
    )
      return { keyPem, certPem };
    const keys = await importKeyPair(keyPem);
    return writeServerCert(files, ca, id, keys, clock, keyPem);
  }
  const keys = await generateKeyPair();
  return writeServerCert(files, ca, id, keys, clock, await privateKeyPem(keys.privateKey));
}

async function writeServerCert(
  files: FleetFiles,
  ca: FleetCa,
  id: ServerIdentity,
  keys: CryptoKeyPair,
  clock: Clock,
  keyPem: string,
): Promise<{ keyPem: string; certPem: string }> {
  const cert = await issue(ca, {
    subject: `CN=${id.name.replace(/[,=+<>#;\\"]/g, "_")}`,
    publicKey: keys.publicKey,
    usage: "server",
    sans: sansOf(id),
    now: clock.now(),
    days: CERT_VALIDITY_DAYS,
  });
  const certPem = cert.toString("pem");
  writePrivateFile(files.serverKey, keyPem);
  writePublicFile(files.serverCert, certPem);
  return { keyPem, certPem };
}

export class CsrError extends Error {}

/**
 * Signs an agent's CSR: the CSR's own signature must verify (the agent holds the key); the subject is
 * set by the server to the agent's id, whatever the CSR asked for.
 */
export async function signClientCsr(
  ca: FleetCa,
  csrPem: string,
  agentId: string,
  clock: Clock,
  days = CERT_VALIDITY_DAYS,
): Promise<string> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw new CsrError("the certificate request is not a PEM or DER PKCS#10 request");
  }
  if (!(await csr.verify())) throw new CsrError("the certificate request's signature does not verify");
  const alg = csr.publicKey.algorithm as EcKeyAlgorithm;
  if (alg.name !== "ECDSA" || alg.namedCurve !== "P-256")
    throw new CsrError("the certificate request must hold an ECDSA P-256 key");
  const cert = await issue(ca, {
    subject: `CN=${agentId}`,
    publicKey: await csr.publicKey.export(),
    usage: "client",
    now: clock.now(),
    days,
  });
  return cert.toString("pem");
}

/** A CSR for an agent's key (the subject is a hint; the server sets the id). */
export async function createCsr(keys: CryptoKeyPair, name: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${name.replace(/[,=+<>#;\\"]/g, "_").slice(0, 60) || "agent"}`,
    keys,
    signingAlgorithm: EC_SIGN,
  });
  return csr.toString("pem");
}
