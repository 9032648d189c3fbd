/** Every CLI command, one module each. Add a command here; nothing registers itself. */
import type { Command } from "commander";
import { registerAlarms } from "./alarms.js";
import { registerBans } from "./bans.js";
import { registerConfig } from "./config.js";
import { registerJails } from "./jails.js";
import { registerLogs } from "./logs.js";
import { registerMetrics } from "./metrics.js";
import { registerPattern } from "./pattern.js";
import { registerRegex } from "./regex.js";
import { registerReplay } from "./replay.js";
import { registerServe } from "./serve.js";
import { registerTopics } from "./topics.js";

export type RegisterCommand = (program: Command) => void;

export const commands: Record<string, RegisterCommand> = {
  serve: registerServe,
  config: registerConfig,
  logs: registerLogs,
  replay: registerReplay,
  pattern: registerPattern,
  regex: registerRegex,
  alarms: registerAlarms,
  topics: registerTopics,
  metrics: registerMetrics,
  jails: registerJails,
  bans: registerBans,
};
