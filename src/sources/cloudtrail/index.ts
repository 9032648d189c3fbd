/**
 * `type: cloudtrail`: CloudTrail log files ({"Records":[...]}, .json or .json.gz), each read once
 * (see ../shared/once-files.ts and parser.ts).
 */

import { deliveredFilesId, deliveredFilesSource } from "../shared/once-files.js";
import type { SourceFactory } from "../types.js";
import type { CloudtrailSourceConfig } from "./config.js";
import { CloudTrailParser } from "./parser.js";

export const cloudtrail: SourceFactory<CloudtrailSourceConfig> = {
  defaultId: deliveredFilesId,
  create: (config, ctx) => deliveredFilesSource(config, new CloudTrailParser(), ctx),
};
