/**
 * VPC flow-log record formats (docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html): a format
 * is a list of field names; a record is their values separated by single spaces, "-" for an absent value.
 */
import { FIELD_NAME, KNOWN_FIELDS } from "./config.js";

export { DEFAULT_V2_FIELDS, KNOWN_FIELDS, parseFormat } from "./config.js";

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
