/**
 * Which policy files an `audit.policies` list names: `builtin:NAME` (a policy mamori ships in
 * policies/NAME.yml), a file, or a glob whose last segment has `*` (`/etc/mamori/policies/*.yml`).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, type ConfigProblem } from "../../core/errors.js";
import { matchingNames, nameGlob } from "./name-glob.js";
import { loadPolicyFile, type Policy } from "./policy.js";

export const BUILTIN_POLICY_DIR = fileURLToPath(new URL("../../../policies/", import.meta.url));

/** The names `builtin:NAME` takes. */
export function builtinPolicyNames(): string[] {
  try {
    return fs
      .readdirSync(BUILTIN_POLICY_DIR)
      .filter((f) => f.endsWith(".yml"))
      .map((f) => f.slice(0, -4))
      .sort();
  } catch {
    return [];
  }
}

/** What is wrong with a `policies` entry before any file is read, or undefined. */
export function policyRefProblem(ref: string): string | undefined {
  if (!ref.startsWith("builtin:")) return undefined;
  const name = ref.slice("builtin:".length);
  const known = builtinPolicyNames();
  return known.includes(name)
    ? undefined
    : `no built-in policy "${name}"; built-in policies: ${known.join(", ")}`;
}

/** The files the refs name, in order, each once. A glob may name none; a plain path must exist. */
export function policyFiles(refs: readonly string[]): string[] {
  const out: string[] = [];
  for (const ref of refs) {
    if (ref.startsWith("builtin:")) {
      out.push(path.join(BUILTIN_POLICY_DIR, `${ref.slice("builtin:".length)}.yml`));
      continue;
    }
    const glob = nameGlob(path.basename(ref));
    if (!glob) {
      out.push(ref);
      continue;
    }
    let names: string[] = [];
    try {
      names = matchingNames(fs.readdirSync(path.dirname(ref)), glob);
    } catch {
      // a glob whose folder is missing names no file
    }
    out.push(...names.map((n) => path.join(path.dirname(ref), n)));
  }
  return [...new Set(out)];
}

/** Loads every policy the refs name; throws one ConfigError with every problem of every file. */
export function loadPolicies(refs: readonly string[]): Policy[] {
  const problems: ConfigProblem[] = [];
  const policies: Policy[] = [];
  const byId = new Map<string, string>();
  for (const ref of refs) {
    const p = policyRefProblem(ref);
    if (p) problems.push({ file: ref, line: 1, col: 1, message: p });
  }
  if (problems.length) throw new ConfigError(problems);
  for (const file of policyFiles(refs)) {
    try {
      const policy = loadPolicyFile(file);
      const unsafe = unsafeCommandPolicy(file, policy);
      if (unsafe) {
        problems.push({ file, line: 1, col: 1, message: unsafe });
        continue;
      }
      const other = byId.get(policy.id);
      if (other) {
        problems.push({
          file,
          line: 1,
          col: 1,
          message: `policy id "${policy.id}" is also the id of ${other}; policy ids must be unique`,
        });
        continue;
      }
      byId.set(policy.id, file);
      policies.push(policy);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return policies;
}

/**
 * A policy's c: rules run as mamori's user (root, usually): a policy file that another user can change
 * would let them run any command as root. Such a policy is refused, as sudo refuses a writable sudoers.
 */
export function unsafeCommandPolicy(
  file: string,
  policy: Policy,
  uid = process.getuid?.(),
): string | undefined {
  const sets = policy.requirements ? [policy.requirements, ...policy.checks] : policy.checks;
  if (uid === undefined || !sets.some((s) => s.rules.some((r) => r.type === "command"))) return undefined;
  const st = fs.statSync(file);
  const mode = (st.mode & 0o777).toString(8).padStart(4, "0");
  if (st.uid !== uid && st.uid !== 0)
    return `the policy has c: rules, which run as this user (uid ${uid}), but the file is owned by uid ${st.uid}; chown root ${file} (or remove its c: rules)`;
  if (st.mode & 0o022)
    return `the policy has c: rules, which run as this user (uid ${uid}), but other users may change the file (mode ${mode}); chmod go-w ${file}`;
  return undefined;
}
