/**
 * `type: cloudtrail`: CloudTrail log files ({"Records":[...]}, .json or .json.gz), each read once
 * (see ../shared/once-files.ts and parser.ts).
 */
import type { CloudtrailSourceConfig } from "../../config/schema.js";
import { OnceFileSource } from "../shared/once-files.js";
import type { SourceFactory } from "../types.js";
import { CloudTrailParser } from "./parser.js";

const pathsOf = (path: string | string[]) => (Array.isArray(path) ? path : [path]);

export const cloudtrail: SourceFactory<CloudtrailSourceConfig> = {
  defaultId: (config) => `cloudtrail:${pathsOf(config.path).join(",")}`,
  create: (config, ctx) =>
    new OnceFileSource(
      {
        paths: pathsOf(config.path),
        group: config.group,
        pollInterval: config.poll_interval,
        parser: new CloudTrailParser(),
      },
      ctx,
    ),
};
