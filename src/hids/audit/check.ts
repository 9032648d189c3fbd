/**
 * `config check` (and a reload) loads every policy the audit section names, so a typo in a policy is
 * reported before the daemon runs, at its own FILE:LINE:COL, and an unknown `builtin:` at the config's.
 */
import type { MamoriConfig } from "../../config/schema.js";
import type { Locator } from "../../core/config.js";
import { ConfigError, type ConfigProblem } from "../../core/errors.js";
import { loadPolicies, policyRefProblem } from "./policies.js";

export function auditChecks(config: MamoriConfig, locate: Locator): ConfigProblem[] {
  if (!config.audit) return [];
  const refs = config.audit.policies;
  const problems = refs.flatMap((ref, i) => {
    const p = policyRefProblem(ref);
    return p ? [locate(["audit", "policies", i], p)] : [];
  });
  if (problems.length) return problems;
  try {
    loadPolicies(refs);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}
