/**
 * Key pairs and PEM files of the fleet: ECDSA P-256 from node:crypto's WebCrypto, private keys written
 * with mode 0600 (and made 0600 again if someone loosened them), never logged, never sent.
 */
import { webcrypto } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import "./reflect.js"; // before @peculiar/x509, which needs it at load
import * as x509 from "@peculiar/x509";

/** WebCrypto's types from node:crypto (the project compiles without the DOM library). */
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
export type EcKeyAlgorithm = webcrypto.EcKeyAlgorithm;

export const crypto = webcrypto;
x509.cryptoProvider.set(crypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const EC_KEY = { name: "ECDSA", namedCurve: "P-256" } as const;
export const EC_SIGN = { name: "ECDSA", hash: "SHA-256" } as const;

export function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(EC_KEY, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** The key pair of a PKCS#8 PEM private key (the public half is derived through a JWK round trip). */
export async function importKeyPair(pem: string): Promise<CryptoKeyPair> {
  const der = x509.PemConverter.decodeFirst(pem);
  const privateKey = await crypto.subtle.importKey("pkcs8", der, EC_KEY, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  const { d: _d, ...pub } = jwk;
  const publicKey = await crypto.subtle.importKey("jwk", { ...pub, key_ops: ["verify"] }, EC_KEY, true, [
    "verify",
  ]);
  return { privateKey, publicKey };
}

/** Writes a secret file atomically with mode 0600 (the folder 0700). */
export function writePrivateFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** Reads a private key file, first making it 0600 again when its mode was loosened. */
export function readPrivateFile(file: string): string {
  const st = fs.statSync(file);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  return fs.readFileSync(file, "utf8");
}

export function writePublicFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text, { mode: 0o644 });
  fs.renameSync(tmp, file);
}
