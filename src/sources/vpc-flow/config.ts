/**
 * `type: vpc-flow` in mamori.yaml: flow-log files as delivered, each read once, and their record format
 * (docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html). The field vocabulary lives here so
 * `config check` reports a bad format at its place.
 */
import { z } from "zod";
import { duration, type EntryCheck, nonEmpty, pathOrPaths } from "../../core/config.js";
import { errorMessage } from "../../core/errors.js";

export const vpcFlowSourceSchema = z.strictObject({
  type: z.literal("vpc-flow"),
  id: nonEmpty.optional(),
  path: pathOrPaths,
  format: nonEmpty.optional(),
  group: nonEmpty,
  poll_interval: duration().default(5),
  follow_symlinks: z.boolean().default(false),
  /** largest file read, after decompression (gzip bombs); larger files are skipped and counted */
  max_file_bytes: z.number().int().positive().optional(),
});

export type VpcFlowSourceConfig = z.output<typeof vpcFlowSourceSchema>;

export const checkVpcFlowSource: EntryCheck<VpcFlowSourceConfig> = (cfg, at) => {
  if (cfg.format === undefined) return [];
  try {
    parseFormat(cfg.format);
    return [];
  } catch (err) {
    return [at(["format"], errorMessage(err))];
  }
};

/** The default format (version 2). */
export const DEFAULT_V2_FIELDS: readonly string[] = [
  "version",
  "account-id",
  "interface-id",
  "srcaddr",
  "dstaddr",
  "srcport",
  "dstport",
  "protocol",
  "packets",
  "bytes",
  "start",
  "end",
  "action",
  "log-status",
];

/** Fields of versions 2–5 (and the later ECS / reject-reason ones), to recognise a header line. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  ...DEFAULT_V2_FIELDS,
  // v3
  "vpc-id",
  "subnet-id",
  "instance-id",
  "tcp-flags",
  "type",
  "pkt-srcaddr",
  "pkt-dstaddr",
  // v4
  "region",
  "az-id",
  "sublocation-type",
  "sublocation-id",
  // v5
  "pkt-src-aws-service",
  "pkt-dst-aws-service",
  "flow-direction",
  "traffic-path",
  // v7, v8
  "ecs-cluster-arn",
  "ecs-cluster-name",
  "ecs-container-instance-arn",
  "ecs-container-instance-id",
  "ecs-container-id",
  "ecs-second-container-id",
  "ecs-service-name",
  "ecs-task-definition-arn",
  "ecs-task-arn",
  "ecs-task-id",
  "reject-reason",
]);

export const FIELD_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * `${version} ${account-id} ...` (the format string AWS takes) → field names. Bare names as in a file's
 * header line ("version account-id ...") are accepted too: in mamori.yaml `${name}` is also the syntax
 * of environment variables. Throws with what to fix when a token is neither or names no flow-log field.
 */
export function parseFormat(format: string): string[] {
  const fields: string[] = [];
  for (const token of format.trim().split(/\s+/)) {
    const name = /^\$\{([^}]*)\}$/.exec(token)?.[1] ?? token;
    if (!FIELD_NAME.test(name)) {
      throw new Error(
        `vpc-flow format: "${token}" is not a field; write fields as \${name} or name, e.g. "version srcaddr dstaddr"`,
      );
    }
    if (!KNOWN_FIELDS.has(name)) {
      throw new Error(
        `vpc-flow format: unknown field "${name}"; flow-log fields are ${[...KNOWN_FIELDS].join(", ")}`,
      );
    }
    fields.push(name);
  }
  return fields;
}
