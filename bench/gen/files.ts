/**
 * Deterministic delivered-file writers on top of the record generators: VPC flow-log files (header line
 * + records, .log or .log.gz) and CloudTrail files ({"Records":[...]}, .json or .json.gz), laid out
 * under AWS's own key layout (AWSLogs/<account>/vpcflowlogs|CloudTrail/<region>/YYYY/MM/DD/...).
 * Same arguments, same bytes (Node's gzip header carries no time).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { cloudTrailRecords } from "./cloudtrail.js";
import { VPC_DEFAULT_V2_FIELDS, vpcFlowLines } from "./vpc-flow.js";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const DAY_DIR = "2023/11/25";

/** A flow-log file's text: the field header line AWS writes first, then the records. */
export function flowLogText(
  lines: Iterable<string>,
  fields: readonly string[] = VPC_DEFAULT_V2_FIELDS,
): string {
  let text = `${fields.join(" ")}\n`;
  for (const l of lines) text += `${l}\n`;
  return text;
}

/** Writes a flow-log file (gzip when the name ends in .gz), creating its directory. */
export function writeFlowLogFile(
  file: string,
  lines: Iterable<string>,
  fields: readonly string[] = VPC_DEFAULT_V2_FIELDS,
  opts: { header?: boolean } = {},
): string {
  const text = opts.header === false ? [...lines].map((l) => `${l}\n`).join("") : flowLogText(lines, fields);
  return writeMaybeGzip(file, text);
}

/** Writes a CloudTrail file {"Records":[...]} (gzip when the name ends in .gz), creating its directory. */
export function writeCloudTrailFile(file: string, records: Iterable<Record<string, unknown>>): string {
  return writeMaybeGzip(file, JSON.stringify({ Records: [...records] }));
}

/** AWS's key for the i-th flow-log file of a delivery (5-minute files). */
export function flowLogKey(i: number, ext = ".log.gz"): string {
  const hhmm = fiveMinuteStamp(i);
  return `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/${DAY_DIR}/${ACCOUNT}_vpcflowlogs_${REGION}_fl-0a1b2c3d4e5f60718_20231125T${hhmm}Z_${hash8(i)}${ext}`;
}

/** AWS's key for the i-th CloudTrail file of a delivery. */
export function cloudTrailKey(i: number, ext = ".json.gz"): string {
  const hhmm = fiveMinuteStamp(i);
  return `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/${DAY_DIR}/${ACCOUNT}_CloudTrail_${REGION}_20231125T${hhmm}Z_${hash8(i + 7919)}${ext}`;
}

/**
 * `files` flow-log files of `perFile` records each under dir (AWS layout); each file gets its own seed
 * (seed + i), so files differ but a run is repeatable. Returns the paths written.
 */
export function writeFlowLogTree(
  dir: string,
  opts: { files: number; perFile: number; seed?: number; fields?: readonly string[]; gzip?: boolean },
): string[] {
  const fields = opts.fields ?? VPC_DEFAULT_V2_FIELDS;
  const out: string[] = [];
  for (let i = 0; i < opts.files; i++) {
    const file = path.join(dir, flowLogKey(i, opts.gzip === false ? ".log" : ".log.gz"));
    out.push(
      writeFlowLogFile(file, vpcFlowLines(opts.perFile, { seed: (opts.seed ?? 1) + i, fields }), fields),
    );
  }
  return out;
}

/** `files` CloudTrail files of `perFile` records each under dir (AWS layout). Returns the paths written. */
export function writeCloudTrailTree(
  dir: string,
  opts: { files: number; perFile: number; seed?: number; gzip?: boolean },
): string[] {
  const out: string[] = [];
  for (let i = 0; i < opts.files; i++) {
    const file = path.join(dir, cloudTrailKey(i, opts.gzip === false ? ".json" : ".json.gz"));
    out.push(writeCloudTrailFile(file, cloudTrailRecords(opts.perFile, (opts.seed ?? 1) + i)));
  }
  return out;
}

function writeMaybeGzip(file: string, text: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, file.endsWith(".gz") ? gzipSync(text) : text);
  return file;
}

function fiveMinuteStamp(i: number): string {
  const minutes = 8 * 60 + 5 * i;
  const hh = Math.floor(minutes / 60) % 24;
  return `${String(hh).padStart(2, "0")}${String(minutes % 60).padStart(2, "0")}`;
}

/** A stable 8-hex-digit tag standing in for the random part of AWS's file names. */
function hash8(i: number): string {
  return ((Math.imul(i + 1, 2654435761) >>> 0) % 0x1_0000_0000).toString(16).padStart(8, "0");
}
