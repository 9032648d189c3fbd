/**
 * Every source type mamori has, in one plain map (config `type` → factory). Reading this map tells you
 * everything that exists; nothing registers itself by being imported.
 */
import type { SourceConfig } from "../config/sources.js";
import { cloudtrail } from "./cloudtrail/index.js";
import { command } from "./command/index.js";
import { file } from "./file/index.js";
import { http } from "./http/index.js";
import { journald } from "./journald/index.js";
import { syslog } from "./syslog/index.js";
import type { SourceFactory } from "./types.js";
import { vpcFlow } from "./vpc-flow/index.js";

export type SourceFactoryMap = {
  [K in SourceConfig["type"]]: SourceFactory<Extract<SourceConfig, { type: K }>>;
};

/** Complete: a source type in src/config/sources.ts without a factory here does not compile. */
export const sources = {
  file,
  journald,
  syslog,
  http,
  "vpc-flow": vpcFlow,
  cloudtrail,
  command,
} satisfies SourceFactoryMap;
