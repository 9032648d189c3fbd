/** Descriptions of the `audit` keys (config-keys.ts holds the rest; docs/audit.md explains policies). */
import type { KeyDoc } from "./config-keys.js";

const d = (text: string, example?: string): KeyDoc => ({ text, example });

export const auditKeys: Record<string, KeyDoc> = {
  audit: d(
    "Policy audit: checks the host's configuration against policies in Wazuh's SCA format (docs/audit.md). Each check's result is an event in `mamori/audit`: all of them on the first run, then only changes. Absent: no audit runs in the daemon.",
  ),
  "audit.schedule": d("Time between runs; one run also happens at start.", "6h"),
  "audit.policies": d(
    "Policies to run: `builtin:NAME` for one mamori ships (`sshd`, `kernel`), a policy file, or a glob (`*` in the last segment). Relative paths are relative to the config file.",
    "[builtin:sshd, builtin:kernel, /etc/mamori/policies/*.yml]",
  ),
  "audit.root": d(
    "Folder that `f:` and `d:` rules read under: `/` is this host; a mounted disk image or container root is audited by pointing here.",
    "/mnt/image",
  ),
  "audit.command_timeout": d(
    "A `c:` rule's command is killed after this long; the check is then not applicable.",
    "10s",
  ),
};
