/**
 * Password hashing with scrypt from node:crypto, OWASP's parameters (N=2^17, r=8, p=1: 128 MiB and a
 * few hundred ms per hash, so guessing offline is slow). The parameters are stored with each hash, so
 * raising them later keeps old hashes verifiable.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

export interface ScryptParams {
  /** log2 of N */
  logN: number;
  r: number;
  p: number;
}

export const OWASP_SCRYPT: ScryptParams = { logN: 17, r: 8, p: 1 };
const KEY_BYTES = 32;
/** the most a password may have: scrypt is slow per call, not per byte, but a body limit exists anyway */
export const MAX_PASSWORD_LENGTH = 1024;
export const MIN_PASSWORD_LENGTH = 10;

function derive(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  const N = 2 ** p.logN;
  // scrypt needs 128·N·r bytes; node's default maxmem (32 MiB) refuses N=2^17, r=8
  const maxmem = 128 * N * p.r * p.p + 32 * 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, KEY_BYTES, { N, r: p.r, p: p.p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** "scrypt$17$8$1$SALT$HASH" (base64url). */
export async function hashPassword(password: string, params: ScryptParams = OWASP_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return [
    "scrypt",
    params.logN,
    params.r,
    params.p,
    salt.toString("base64url"),
    key.toString("base64url"),
  ].join("$");
}

/** Whether password matches the stored hash (a malformed hash never matches). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number);
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 22) return false;
  const salt = Buffer.from(parts[4], "base64url");
  const want = Buffer.from(parts[5], "base64url");
  if (want.length !== KEY_BYTES) return false;
  const got = await derive(password, salt, { logN, r, p });
  return timingSafeEqual(got, want);
}

/** What is wrong with a new password, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}
