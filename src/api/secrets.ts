/** Random secrets (session ids, CSRF and setup tokens, API tokens) and how they are stored: sha256, never plain. */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** An API token as shown once: "mmr_<id>_<secret>"; the store keeps the id and sha256(secret). */
export function newApiToken(): { id: string; secret: string; token: string } {
  const id = randomBytes(6).toString("hex");
  const secret = randomToken(32);
  return { id, secret, token: `mmr_${id}_${secret}` };
}

export function parseApiToken(token: string): { id: string; secret: string } | undefined {
  const m = /^mmr_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(token);
  return m ? { id: m[1], secret: m[2] } : undefined;
}
