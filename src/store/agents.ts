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

/** The host checks an agent can be asked to run now (`mamori agents check`). */
export const HOST_CHECK_NAMES = ["fim", "rootcheck", "audit"] as const;
export type HostCheckName = (typeof HOST_CHECK_NAMES)[number];

/** Which agents a "run a check now" request is for. */
export type CheckTarget = { agent: string } | { group: string } | { all: true };

/**
 * A "run a check now" request: written by the CLI or the API, sent by the running fleet server to the
 * connected agents it names, answered by each agent's acknowledgement.
 */
export interface CheckRequest {
  id: number;
  check: HostCheckName;
  target: CheckTarget;
  createdAt: number;
  /** when the server sent it (null: not yet) */
  sentAt: number | null;
}

/** One agent's answer to a check request: ok null while it has not answered. */
export interface CheckResult {
  agent: string;
  name: string;
  ok: boolean | null;
  error: string | null;
  at: number | null;
}

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
  /** Records a "run a check now" request for the running server to send; returns its id. */
  requestCheck(check: HostCheckName, target: CheckTarget, now: number): Promise<number>;
  /** Requests the server has not sent yet, oldest first. */
  unsentChecks(): Promise<CheckRequest[]>;
  /** Marks a request sent, with the agents it went to (answers pending) and those that cannot answer. */
  checkSent(
    id: number,
    now: number,
    results: ReadonlyArray<Pick<CheckResult, "agent" | "name"> & Partial<CheckResult>>,
  ): Promise<void>;
  /** An agent's answer to a request. */
  checkAnswered(id: number, agent: string, ok: boolean, error: string | null, now: number): Promise<void>;
  /** A request with its answers so far. */
  getCheck(id: number): Promise<(CheckRequest & { results: CheckResult[] }) | undefined>;
  /** Updates status and what the agent last said about itself. */
  update(
    id: string,
    fields: Partial<
      Pick<AgentRecord, "status" | "lastSeen" | "address" | "version" | "configVersion" | "certFingerprint">
    >,
  ): Promise<void>;
}
