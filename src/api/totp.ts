/**
 * TOTP (RFC 6238) over HOTP (RFC 4226) with node:crypto: the optional second factor of a web login.
 * Secrets are base32 (RFC 4648), as authenticator apps read them from an otpauth:// URI.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Encode(buf: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=-]/g, "").toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new Error(`"${ch}" is not a base32 character`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export type TotpAlgorithm = "sha1" | "sha256" | "sha512";

/** RFC 4226 HOTP value of `counter`, `digits` long. */
export function hotp(
  key: Uint8Array,
  counter: number,
  digits = 6,
  algorithm: TotpAlgorithm = "sha1",
): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(bin).padStart(digits, "0");
}

/** RFC 6238 TOTP at `timeMs` (30 s steps from the epoch). */
export function totp(key: Uint8Array, timeMs: number, digits = 6, algorithm: TotpAlgorithm = "sha1"): string {
  return hotp(key, Math.floor(timeMs / 1000 / 30), digits, algorithm);
}

/** Whether `code` is the TOTP of the secret now, one step before or after (clock drift). */
export function verifyTotp(secretBase32: string, code: string, nowMs: number): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  const key = base32Decode(secretBase32);
  const step = Math.floor(nowMs / 1000 / 30);
  let ok = false;
  for (const s of [step - 1, step, step + 1]) {
    const want = Buffer.from(hotp(key, s));
    // compare every candidate: the time taken does not tell which one matched
    if (timingSafeEqual(want, Buffer.from(code))) ok = true;
  }
  return ok;
}

export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

export function otpauthUri(user: string, secret: string, issuer = "mamori"): string {
  const label = encodeURIComponent(`${issuer}:${user}`);
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}
