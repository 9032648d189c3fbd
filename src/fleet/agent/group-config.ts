/**
 * The agent's side of central config: the server pushes its group's `config:` text (sources, jails, host
 * checks: fim, rootcheck, audit) with
 * where it stands in the server's file. The agent checks it as `mamori config check` would (problems at
 * the server file's line:col), then applies it on top of its own agent.yaml by a reload, without a
 * restart. A rejected config (invalid, or a part that fails to start) leaves the old one running; the
 * problems go back to the server in the command's acknowledgement.
 */
import type { Logger } from "pino";
import { parseConfig } from "../../config/load.js";
import type { MamoriConfig } from "../../config/schema.js";
import type { AgentCommand } from "./forwarder.js";

export class GroupConfig {
  /** the version running now (null: none pushed yet) */
  version: string | null = null;

  constructor(
    private readonly local: MamoriConfig,
    private readonly reload: (config: MamoriConfig) => Promise<void>,
    private readonly log: Logger,
  ) {}

  async apply(cmd: AgentCommand): Promise<void> {
    const version = String(cmd.version ?? "");
    if (version === this.version) return;
    if (typeof cmd.text !== "string" || typeof cmd.file !== "string" || !Number.isSafeInteger(cmd.lineOffset))
      throw new Error("malformed config command");
    // blank lines in front put every problem at the server file's own line (columns are kept as written)
    const text = "\n".repeat(Math.max(0, cmd.lineOffset as number)) + cmd.text;
    const group = parseConfig(text, cmd.file, { env: {} });
    await this.reload(mergeGroupConfig(this.local, group));
    this.version = version;
    this.log.info(
      {
        version,
        sources: group.sources.length,
        jails: group.jails.length,
        hostChecks: HOST_CHECKS.filter((k) => group[k] && !this.local[k]),
      },
      "fleet agent: group config applied",
    );
  }
}

const HOST_CHECKS = ["fim", "rootcheck", "audit"] as const;

/**
 * The config an agent runs: its own file plus its group's. Sources and jails add up; a host check (fim,
 * rootcheck, audit) comes from the group unless the agent's own file sets that key, which then wins
 * whole (the host knows its own paths best).
 */
export function mergeGroupConfig(local: MamoriConfig, group: MamoriConfig): MamoriConfig {
  return {
    ...local,
    sources: [...local.sources, ...group.sources],
    jails: [...local.jails, ...group.jails],
    fim: local.fim ?? group.fim,
    rootcheck: local.rootcheck ?? group.rootcheck,
    audit: local.audit ?? group.audit,
  };
}
