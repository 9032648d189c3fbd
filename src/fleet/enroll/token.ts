/**
 * Enrollment tokens: `mamori-enroll.<payload>.<secret>`. The payload (base64url JSON) tells the agent
 * where the server is and the SHA-256 of the server CA's certificate, so the agent checks the server from
 * its first packet; the secret proves the agent may enroll. The server keeps only the secret's SHA-256.
 */
import { createHash, randomBytes } from "node:crypto";

const PREFIX = "mamori-enroll";

export interface TokenPayload {
  /** HOST:PORT of the fleet server */
  server: string;
  /** SHA-256 of the CA certificate, hex */
  ca: string;
}

export interface ParsedToken extends TokenPayload {
  secret: string;
}

export class TokenFormatError extends Error {}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function newToken(payload: TokenPayload): { token: string; id: string; hash: string } {
  const secret = randomBytes(32).toString("base64url");
  const body = Buffer.from(JSON.stringify({ v: 1, s: payload.server, ca: payload.ca })).toString("base64url");
  return {
    token: `${PREFIX}.${body}.${secret}`,
    id: randomBytes(6).toString("hex"),
    hash: hashSecret(secret),
  };
}

export function parseToken(token: string): ParsedToken {
  const parts = token.trim().split(".");
  const bad = (why: string) =>
    new TokenFormatError(
      `not an enrollment token (${why}); copy the whole line \`mamori agents token create\` printed on the server`,
    );
  if (parts.length !== 3 || parts[0] !== PREFIX) throw bad(`it must start with ${PREFIX}.`);
  let body: { v?: unknown; s?: unknown; ca?: unknown };
  try {
    body = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    throw bad("its middle part is not readable");
  }
  if (body.v !== 1) throw bad("unknown version; upgrade mamori on this host");
  if (typeof body.s !== "string" || !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(body.s))
    throw bad("no server address in it");
  if (typeof body.ca !== "string" || !/^[0-9a-f]{64}$/.test(body.ca)) throw bad("no CA fingerprint in it");
  if (!/^[A-Za-z0-9_-]{43}$/.test(parts[2])) throw bad("its secret is damaged");
  return { server: body.s, ca: body.ca, secret: parts[2] };
}
