/**
 * `type: vpc-flow`: VPC flow-log files as AWS delivers them (.log or .log.gz, header line first), each
 * read once (see ../shared/once-files.ts and parser.ts).
 */

import { deliveredFilesId, deliveredFilesSource } from "../shared/once-files.js";
import type { SourceFactory } from "../types.js";
import type { VpcFlowSourceConfig } from "./config.js";
import { parseFormat } from "./format.js";
import { VpcFlowParser } from "./parser.js";

export const vpcFlow: SourceFactory<VpcFlowSourceConfig> = {
  defaultId: deliveredFilesId,
  create: (config, ctx) =>
    deliveredFilesSource(
      config,
      new VpcFlowParser(config.format ? parseFormat(config.format) : undefined, ctx.log),
      ctx,
    ),
};
