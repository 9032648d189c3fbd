/**
 * One audit run: every check of every policy evaluated (a policy whose requirements do not hold gets
 * every check not applicable, with that as the reason), then compared with the results stored from the
 * run before: the first run reports every result (the baseline), later runs only the ones that changed.
 */
import type { AuditResultRecord, AuditStore } from "../../store/store.js";
import { type AuditResult, type EvalOptions, evaluateRuleSet } from "./evaluate.js";
import type { Policy } from "./policy.js";

/** One check's result: the `mamori/audit` event's fields (without host). */
export interface AuditFinding {
  policy: string;
  id: number;
  title: string;
  result: AuditResult;
  reason: string;
  remediation?: string;
}

export async function runPolicy(policy: Policy, opts: EvalOptions): Promise<AuditFinding[]> {
  let unmet: string | undefined;
  if (policy.requirements) {
    const req = await evaluateRuleSet(policy.requirements, opts);
    if (req.result !== "passed")
      unmet = `the policy's requirements do not hold (${policy.requirements.title}): ${req.reason}`;
  }
  const out: AuditFinding[] = [];
  for (const check of policy.checks) {
    const o = unmet
      ? { result: "not_applicable" as const, reason: unmet }
      : await evaluateRuleSet(check, opts);
    const finding: AuditFinding = {
      policy: policy.id,
      id: check.id,
      title: check.title,
      result: o.result,
      reason: o.reason,
    };
    if (o.result === "failed" && check.remediation) finding.remediation = check.remediation;
    out.push(finding);
  }
  return out;
}

export async function runPolicies(policies: readonly Policy[], opts: EvalOptions): Promise<AuditFinding[]> {
  const out: AuditFinding[] = [];
  for (const p of policies) out.push(...(await runPolicy(p, opts)));
  return out;
}

/**
 * The findings to report: those without a stored result (baseline) or whose result changed. Stores
 * the new results (a reason that changes alone is stored, not reported).
 */
export async function changedFindings(
  findings: readonly AuditFinding[],
  store: AuditStore,
  now: number,
): Promise<AuditFinding[]> {
  const before = new Map<string, AuditResultRecord>();
  for (const r of await store.results()) before.set(`${r.policy}\u0000${r.checkId}`, r);
  const changed = findings.filter((f) => before.get(`${f.policy}\u0000${f.id}`)?.result !== f.result);
  await store.putResults(
    findings.map((f) => ({
      policy: f.policy,
      checkId: f.id,
      result: f.result,
      reason: f.reason,
      updatedAt: now,
    })),
  );
  return changed;
}
