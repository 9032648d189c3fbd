/** POST /v1/enroll: a token's secret and a CSR in, the agent's id and client certificate out. */
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import type { AgentStore } from "../../store/store.js";
import { CsrError, type FleetCa, signClientCsr } from "../ca/ca.js";
import { hashSecret } from "../enroll/token.js";

export interface EnrollRequest {
  secret: string;
  csr: string;
  name: string;
}

export type EnrollResult =
  | { status: 200; body: { id: string; name: string; group: string; cert: string; ca: string } }
  | { status: 400 | 403; body: { error: string; reason: string } };

const REFUSALS = {
  unknown:
    "the enrollment token is not known to this server (mistyped, removed, or made on another server); create one with `mamori agents token create`",
  expired: "the enrollment token has expired; create a new one with `mamori agents token create --ttl 1d`",
  used_up:
    "the enrollment token has been used as often as it allows; create a new one (`--uses N` for many agents)",
} as const;

/** A new agent id: never reused (128 random bits, checked against every id ever issued). */
export async function newAgentId(agents: AgentStore): Promise<string> {
  for (;;) {
    const id = `ag-${randomBytes(8).toString("hex")}`;
    if (!(await agents.get(id))) return id;
  }
}

export function parseEnrollRequest(v: unknown): EnrollRequest | string {
  if (typeof v !== "object" || v === null) return "expected a JSON object";
  const o = v as Record<string, unknown>;
  if (typeof o.secret !== "string" || o.secret.length > 200) return "`secret` is missing";
  if (typeof o.csr !== "string" || o.csr.length > 16_384) return "`csr` is missing";
  if (typeof o.name !== "string" || !/^[\p{L}\p{N}._-]{1,64}$/u.test(o.name))
    return "`name` must be 1-64 letters, digits, '.', '_' or '-'";
  return { secret: o.secret, csr: o.csr, name: o.name };
}

export async function enroll(
  req: EnrollRequest,
  deps: { ca: FleetCa; agents: AgentStore; clock: Clock; lifetimeDays: number },
): Promise<EnrollResult> {
  const id = await newAgentId(deps.agents);
  let cert: string;
  try {
    cert = await signClientCsr(deps.ca, req.csr, id, deps.clock, deps.lifetimeDays);
  } catch (err) {
    if (err instanceof CsrError) return { status: 400, body: { error: err.message, reason: "bad_csr" } };
    throw err;
  }
  const fingerprint = pemFingerprint(cert);
  const now = deps.clock.now();
  const r = await deps.agents.enroll(hashSecret(req.secret), now, {
    id,
    name: req.name,
    certFingerprint: fingerprint,
    enrolledAt: now,
  });
  if (!r.ok) return { status: 403, body: { error: REFUSALS[r.reason], reason: r.reason } };
  return { status: 200, body: { id, name: req.name, group: r.group, cert, ca: deps.ca.certPem } };
}

export function pemFingerprint(certPem: string): string {
  return createHash("sha256").update(new X509Certificate(certPem).raw).digest("hex");
}

/**
 * POST /v1/renew: an authenticated agent's new CSR signed for the same id; the new certificate replaces
 * the old one at once (a request with the old one is refused from then on).
 */
export async function renew(
  agentId: string,
  csrPem: unknown,
  deps: { ca: FleetCa; agents: AgentStore; clock: Clock; lifetimeDays: number },
): Promise<{ status: 200; body: { cert: string } } | { status: 400; body: { error: string } }> {
  if (typeof csrPem !== "string" || csrPem.length > 16_384)
    return { status: 400, body: { error: "`csr` is missing" } };
  try {
    const cert = await signClientCsr(deps.ca, csrPem, agentId, deps.clock, deps.lifetimeDays);
    await deps.agents.update(agentId, { certFingerprint: pemFingerprint(cert) });
    return { status: 200, body: { cert } };
  } catch (err) {
    if (err instanceof CsrError) return { status: 400, body: { error: err.message } };
    throw err;
  }
}
