/** `type: journald`: follows `journalctl -o json` with a saved cursor (see source.ts). */

import type { SourceFactory } from "../types.js";
import type { JournaldSourceConfig } from "./config.js";
import { JournaldSource } from "./source.js";

export const journald: SourceFactory<JournaldSourceConfig> = {
  defaultId: (config) =>
    `journald:${config.directory ?? "system"}${config.matches.length > 0 ? `:${config.matches.join(",")}` : ""}`,
  create: (config, ctx) => new JournaldSource(config, ctx),
};
