/**
 * `type: vpc-flow`: VPC flow-log files as AWS delivers them (.log or .log.gz, header line first), each
 * read once (see ../shared/once-files.ts and parser.ts).
 */
import type { VpcFlowSourceConfig } from "../../config/schema.js";
import { OnceFileSource } from "../shared/once-files.js";
import type { SourceFactory } from "../types.js";
import { parseFormat } from "./format.js";
import { VpcFlowParser } from "./parser.js";

const pathsOf = (path: string | string[]) => (Array.isArray(path) ? path : [path]);

export const vpcFlow: SourceFactory<VpcFlowSourceConfig> = {
  defaultId: (config) => `vpc-flow:${pathsOf(config.path).join(",")}`,
  create: (config, ctx) =>
    new OnceFileSource(
      {
        paths: pathsOf(config.path),
        group: config.group,
        pollInterval: config.poll_interval,
        parser: new VpcFlowParser(config.format ? parseFormat(config.format) : undefined, ctx.log),
      },
      ctx,
    ),
};
