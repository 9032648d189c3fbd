/**
 * Every source type mamori has, in one plain map (config `type` → factory). Reading this map tells you
 * everything that exists; nothing registers itself by being imported.
 */
import type { SourceConfig } from "../config/schema.js";
import type { SourceFactory } from "./types.js";

export type SourceFactoryMap = {
  [K in SourceConfig["type"]]: SourceFactory<Extract<SourceConfig, { type: K }>>;
};

export const sources: Partial<SourceFactoryMap> = {};
