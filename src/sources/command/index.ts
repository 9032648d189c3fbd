/** `type: command`: lines a long-running program prints on stdout (see source.ts). */
import type { SourceFactory } from "../types.js";
import type { CommandSourceConfig } from "./config.js";
import { CommandSource } from "./source.js";

export const command: SourceFactory<CommandSourceConfig> = {
  defaultId: (config) => `command:${config.command.join(" ")}`,
  create: (config, ctx) => new CommandSource(config, ctx),
};
