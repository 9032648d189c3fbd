/** `type: http`: PutLogEvents-like HTTP ingest with bearer tokens (see source.ts). */

import type { SourceFactory } from "../types.js";
import type { HttpSourceConfig } from "./config.js";
import { HttpIngestSource } from "./source.js";

export const http: SourceFactory<HttpSourceConfig> = {
  defaultId: (config) => `http:${config.listen}`,
  create: (config, ctx) => new HttpIngestSource(config, ctx),
};
