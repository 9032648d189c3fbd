/** `type: syslog`: RFC 3164 / 5424 messages over UDP, TCP or TLS (see source.ts). */

import type { SourceFactory } from "../types.js";
import type { SyslogSourceConfig } from "./config.js";
import { SyslogSource } from "./source.js";

export const syslog: SourceFactory<SyslogSourceConfig> = {
  defaultId: (config) => `syslog:${config.listen}`,
  create: (config, ctx) => new SyslogSource(config, ctx),
};
