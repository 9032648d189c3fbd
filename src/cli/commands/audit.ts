/**
 * `mamori audit [--policy FILE]... [--config F] [--root DIR] [--json]`: runs the policies now and prints
 * every check's result (`--json`: one line each, the `mamori/audit` event's shape). Exit 0 when nothing
 * failed, 3 when a check failed, 2 for a bad config or policy (FILE:LINE:COL), 1 when the run broke.
 * It reads no store and writes none: the daemon's part is what reports changes.
 */
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { duration } from "../../core/config.js";
import { UsageError } from "../../core/errors.js";
import { loadPolicies } from "../../hids/audit/policies.js";
import { type AuditFinding, runPolicies } from "../../hids/audit/run.js";
import { loadConfig } from "../../load-config.js";
import { printable } from "../printable.js";

interface AuditOptions {
  policy?: string[];
  config?: string;
  root?: string;
  timeout?: string;
  json?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerAudit(program: Command): void {
  program
    .command("audit")
    .description(
      "run policy audit checks (Wazuh SCA policies) now and print each result; exit 3 when a check failed",
    )
    .option(
      "--policy <file>",
      "a policy file or builtin:NAME (repeatable); default: the config's audit.policies",
      collect,
    )
    .option("--config <file>", "config file (default ./mamori.yaml, else built-in)")
    .option(
      "--root <dir>",
      "read the files of f: and d: rules under this folder (default: the config's audit.root, /)",
    )
    .option(
      "--timeout <duration>",
      "kill a c: rule's command after this long (default: audit.command_timeout, 30s)",
    )
    .option(
      "--json",
      'one JSON line per check: {"policy","id","title","result","reason","remediation"?,"host"}',
    )
    .action(async (opts: AuditOptions) => {
      const { config } = loadConfig(opts.config);
      const refs = opts.policy?.map((p) => (p.startsWith("builtin:") ? p : path.resolve(p))) ??
        config.audit?.policies ?? ["builtin:sshd"];
      const policies = loadPolicies(refs);
      const root = path.resolve(opts.root ?? config.audit?.root ?? "/");
      const timeout =
        opts.timeout === undefined ? (config.audit?.command_timeout ?? 30) : parseTimeout(opts.timeout);
      const findings = await runPolicies(policies, { root, commandTimeoutMs: timeout * 1000 });
      const host = config.hostname ?? os.hostname();
      process.stdout.write(opts.json ? jsonLines(findings, host) : humanText(findings));
      if (findings.some((f) => f.result === "failed")) process.exitCode = 3;
    });
}

function parseTimeout(text: string): number {
  const parsed = duration().safeParse(text);
  if (!parsed.success || parsed.data <= 0)
    throw new UsageError(`--timeout "${text}" is not a duration: give seconds or a duration such as 10s, 2m`);
  return parsed.data;
}

function jsonLines(findings: readonly AuditFinding[], host: string): string {
  return findings.map((f) => `${JSON.stringify({ ...f, host })}\n`).join("");
}

const LABEL = { passed: "passed", failed: "FAILED", not_applicable: "n/a" } as const;

function humanText(findings: readonly AuditFinding[]): string {
  const out: string[] = [];
  for (const f of findings) {
    out.push(`${LABEL[f.result].padEnd(7)} ${printable(f.policy)}/${f.id}  ${printable(f.title)}`);
    if (f.result !== "passed") out.push(`        ${printable(f.reason)}`);
    if (f.remediation) out.push(`        fix: ${printable(f.remediation)}`);
  }
  const count = (r: AuditFinding["result"]) => findings.filter((f) => f.result === r).length;
  out.push(
    `${findings.length} checks: ${count("passed")} passed, ${count("failed")} failed, ${count("not_applicable")} not applicable`,
  );
  return `${out.join("\n")}\n`;
}
