/** Web UI users, sessions, API tokens and alarm acknowledgements (src/api/). Part of the Store interface. */

export type Role = "viewer" | "admin";

export interface UserRecord {
  name: string;
  role: Role;
  /** "scrypt$N$r$p$salt$hash" (base64url parts); never leaves the store but for verification */
  passwordHash: string;
  /** base32 TOTP secret, when the second factor is on */
  totpSecret: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface SessionRecord {
  /** sha256 of the cookie value (the cookie itself is never stored) */
  idHash: string;
  user: string;
  /** the CSRF token the session's state-changing requests must send */
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

export interface ApiTokenRecord {
  /** public id, printed in `api-tokens list` and the first part of the token */
  id: string;
  /** sha256 of the secret part */
  hash: string;
  role: Role;
  /** who created it (a user name, or "cli") */
  createdBy: string;
  createdAt: number;
  /** null = never expires */
  expiresAt: number | null;
  lastUsedAt: number | null;
}

export interface AlarmAck {
  alarm: string;
  by: string;
  why: string;
  /** ms; null = until the alarm changes state */
  until: number | null;
  at: number;
}

export interface UserStore {
  get(name: string): Promise<UserRecord | undefined>;
  list(): Promise<UserRecord[]>;
  count(): Promise<number>;
  /** Adds a user; false when the name is taken. */
  add(user: UserRecord): Promise<boolean>;
  update(
    name: string,
    change: Partial<Pick<UserRecord, "passwordHash" | "totpSecret" | "role">>,
    now: number,
  ): Promise<boolean>;
  /** Removes the user, their sessions and the tokens they created; false when there was none. */
  remove(name: string): Promise<boolean>;
  putSession(s: SessionRecord): Promise<void>;
  session(idHash: string, now: number): Promise<SessionRecord | undefined>;
  deleteSession(idHash: string): Promise<void>;
  putToken(t: ApiTokenRecord): Promise<void>;
  token(id: string): Promise<ApiTokenRecord | undefined>;
  tokens(): Promise<ApiTokenRecord[]>;
  touchToken(id: string, now: number): Promise<void>;
  revokeToken(id: string): Promise<boolean>;
  acknowledge(ack: AlarmAck): Promise<void>;
  acks(alarm?: string): Promise<AlarmAck[]>;
}
