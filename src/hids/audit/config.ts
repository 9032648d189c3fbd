/** The `audit:` section: which SCA policies run, how often, and where the host's files are. */
import { z } from "zod";
import { configPaths, duration } from "../../core/config.js";

/**
 * `builtin:NAME` stays as written; a path or glob is resolved against the config's folder. (A schema of
 * its own: registering the shared `nonEmpty` would mark every non-empty string of the config as a path.)
 */
const policyRef = z
  .string()
  .min(1, "must not be empty")
  .register(configPaths, { isPath: (v) => !v.startsWith("builtin:") });

export const auditSchema = z.strictObject({
  /** seconds between runs; one run at start */
  schedule: duration().default(12 * 3600),
  policies: z.array(policyRef).min(1, "name at least one policy, as builtin:sshd").default(["builtin:sshd"]),
  /** the folder f: and d: rules read under ("/" = this host); a mounted image or a test's copy */
  root: z.string().min(1).default("/").register(configPaths, {}),
  /** a c: rule's command is killed after this long */
  command_timeout: duration().default(30),
});

export type AuditConfig = z.output<typeof auditSchema>;
