/**
 * The agent's side of central config: the server pushes its group's `config:` text (sources, jails) with
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
    const merged: MamoriConfig = {
      ...this.local,
      sources: [...this.local.sources, ...group.sources],
      jails: [...this.local.jails, ...group.jails],
    };
    await this.reload(merged);
    this.version = version;
    this.log.info(
      { version, sources: group.sources.length, jails: group.jails.length },
      "fleet agent: group config applied",
    );
  }
}
