/** The fleet server's enrollment tokens and agents (src/fleet/). Part of the Store interface. */

export interface EnrollToken {
  /** short public id (for listing and removal); the secret itself is never stored */
  id: string;
  /** SHA-256 of the token's secret, hex */
  hash: string;
  /** the agent group agents enrolled with it join */
  group: string;
  /** how many enrollments it allows in all */
  uses: number;
  used: number;
  /** ms */
  expiresAt: number;
  createdAt: number;
}

export type AgentStatus = "never_connected" | "active" | "disconnected" | "revoked";

export interface AgentRecord {
  /** unique, never reused; the subject of its certificate */
  id: string;
  name: string;
  group: string;
  status: AgentStatus;
  /** SHA-256 of its current certificate, hex */
  certFingerprint: string;
  enrolledAt: number;
  lastSeen: number | null;
  address: string | null;
  version: string | null;
  configVersion: string | null;
}

/** Why a token could not be used. */
export type TokenRefusal = "unknown" | "expired" | "used_up";

export interface AgentStore {
  addToken(t: EnrollToken): Promise<void>;
  tokens(): Promise<EnrollToken[]>;
  removeToken(id: string): Promise<boolean>;
  /**
   * Enrolls an agent with a token in one transaction: the token's use is counted and the agent recorded,
   * or nothing happens and the refusal says why.
   */
  enroll(
    tokenHash: string,
    now: number,
    agent: Omit<AgentRecord, "group" | "status" | "lastSeen" | "address" | "version" | "configVersion">,
  ): Promise<{ ok: true; group: string } | { ok: false; reason: TokenRefusal }>;
  get(id: string): Promise<AgentRecord | undefined>;
  list(): Promise<AgentRecord[]>;
  /** Updates status and what the agent last said about itself. */
  update(
    id: string,
    fields: Partial<
      Pick<AgentRecord, "status" | "lastSeen" | "address" | "version" | "configVersion" | "certFingerprint">
    >,
  ): Promise<void>;
}
