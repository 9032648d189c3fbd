/** Every CLI command, one module each. Add a command here; nothing registers itself. */
import type { Command } from "commander";
import { registerConfig } from "./config.js";
import { registerLogs } from "./logs.js";
import { registerPattern } from "./pattern.js";
import { registerServe } from "./serve.js";

export type RegisterCommand = (program: Command) => void;

export const commands: Record<string, RegisterCommand> = {
  serve: registerServe,
  config: registerConfig,
  logs: registerLogs,
  pattern: registerPattern,
};
