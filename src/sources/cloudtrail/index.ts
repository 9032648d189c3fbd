/**
 * `type: cloudtrail`: CloudTrail log files ({"Records":[...]}, .json or .json.gz), each read once
 * (see ../shared/once-files.ts and parser.ts).
 */
import type { CloudtrailSourceConfig } from "../../config/schema.js";
import { deliveredFilesId, deliveredFilesSource } from "../shared/once-files.js";
import type { SourceFactory } from "../types.js";
import { CloudTrailParser } from "./parser.js";

export const cloudtrail: SourceFactory<CloudtrailSourceConfig> = {
  defaultId: deliveredFilesId,
  create: (config, ctx) => deliveredFilesSource(config, new CloudTrailParser(), ctx),
};
