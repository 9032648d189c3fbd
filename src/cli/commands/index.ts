/**
 * Every CLI command, one module each. Add a command here; nothing registers itself. Each entry loads its
 * module when asked: a command run on its own (`mamori regex ...`) loads only what it needs, not the
 * store, config and daemon code of the others (start-up was most of a short run's time).
 */
import type { Command } from "commander";

export type RegisterCommand = (program: Command) => void;

export const commands: Record<string, () => Promise<RegisterCommand>> = {
  serve: async () => (await import("./serve.js")).registerServe,
  config: async () => (await import("./config.js")).registerConfig,
  logs: async () => (await import("./logs.js")).registerLogs,
  replay: async () => (await import("./replay.js")).registerReplay,
  pattern: async () => (await import("./pattern.js")).registerPattern,
  regex: async () => (await import("./regex.js")).registerRegex,
  alarms: async () => (await import("./alarms.js")).registerAlarms,
  topics: async () => (await import("./topics.js")).registerTopics,
  metrics: async () => (await import("./metrics.js")).registerMetrics,
  jails: async () => (await import("./jails.js")).registerJails,
  bans: async () => (await import("./bans.js")).registerBans,
  rootcheck: async () => (await import("./rootcheck.js")).registerRootcheck,
  audit: async () => (await import("./audit.js")).registerAudit,
  fim: async () => (await import("./fim.js")).registerFim,
  users: async () => (await import("./users.js")).registerUsers,
  "api-tokens": async () => (await import("./api-tokens.js")).registerApiTokens,
  agents: async () => (await import("./agents.js")).registerAgents,
  agent: async () => (await import("./agent.js")).registerAgent,
};

/** The registrations of the named commands (all of them without names), in the map's order. */
export async function loadCommands(
  names: readonly string[] = Object.keys(commands),
): Promise<RegisterCommand[]> {
  return Promise.all(names.map((n) => commands[n]()));
}
