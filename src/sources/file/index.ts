/** `type: file`: tails files and globs through every rotation style (see source.ts). */

import type { SourceFactory } from "../types.js";
import type { FileSourceConfig } from "./config.js";
import { FileSource } from "./source.js";

export const file: SourceFactory<FileSourceConfig> = {
  defaultId: (config) => `file:${Array.isArray(config.path) ? config.path.join(",") : config.path}`,
  create: (config, ctx) => new FileSource(config, ctx),
};
