/**
 * VPC flow-log record formats (docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html): a format
 * is a list of field names; a record is their values separated by single spaces, "-" for an absent value.
 */

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

const FIELD_NAME = /^[a-z][a-z0-9-]*$/;

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

/**
 * The field header AWS writes as a file's first line ("version account-id interface-id ..."), or
 * undefined when the line is a record (records hold digits, "-", upper-case words).
 */
export function parseHeaderLine(line: string): string[] | undefined {
  const tokens = line.trim().split(/\s+/);
  if (!tokens.every((t) => FIELD_NAME.test(t))) return undefined;
  return tokens.some((t) => KNOWN_FIELDS.has(t)) ? tokens : undefined;
}

/** Positions of the fields the source needs, -1 when the format lacks them. */
export interface FieldPositions {
  count: number;
  interfaceId: number;
  start: number;
  logStatus: number;
}

export function positionsOf(fields: readonly string[]): FieldPositions {
  return {
    count: fields.length,
    interfaceId: fields.indexOf("interface-id"),
    start: fields.indexOf("start"),
    logStatus: fields.indexOf("log-status"),
  };
}

export function sameFields(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}
