/**
 * Deterministic VPC flow-log records (space-separated, "-" for an absent value) in the default v2
 * format or any custom field list, e.g. the seed's 29-field custom format in alphabetical order.
 * Field names are AWS's (docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).
 */
import { DEFAULT_V2_FIELDS } from "../../src/sources/vpc-flow/format.js";
import { pick, seededRandom } from "./auth-log.js";

/** `${version} ${account-id} ... ${log-status}`: the default format (version 2), as the source knows it. */
export const VPC_DEFAULT_V2_FIELDS: readonly string[] = DEFAULT_V2_FIELDS;

/** The seed's custom format: the version 2–5 fields, 29 of them, in alphabetical order. */
export const VPC_CUSTOM_29_FIELDS: readonly string[] = [
  "account-id",
  "action",
  "az-id",
  "bytes",
  "dstaddr",
  "dstport",
  "end",
  "flow-direction",
  "instance-id",
  "interface-id",
  "log-status",
  "packets",
  "pkt-dst-aws-service",
  "pkt-dstaddr",
  "pkt-src-aws-service",
  "pkt-srcaddr",
  "protocol",
  "region",
  "srcaddr",
  "srcport",
  "start",
  "sublocation-id",
  "sublocation-type",
  "subnet-id",
  "tcp-flags",
  "traffic-path",
  "type",
  "version",
  "vpc-id",
];

/** One record as field name → value; a field not given is written as "-". */
export type VpcFlowRecord = Partial<Record<string, string>>;

/** Formats one record in the given field order. */
export function formatVpcFlowRecord(
  record: VpcFlowRecord,
  fields: readonly string[] = VPC_DEFAULT_V2_FIELDS,
) {
  return fields.map((f) => record[f] ?? "-").join(" ");
}

const INSTANCE_ADDRS = ["10.0.0.169", "10.0.1.23", "10.0.2.41", "10.0.3.7"];
/** Destinations of egress flows: the two allow-listed ones of the seed, an exfiltration target, others. */
const REMOTE_ADDRS = [
  "123.123.123.123",
  "210.210.210.210",
  "198.51.100.7",
  "52.216.8.1",
  "34.120.5.66",
  "203.0.113.9",
  "8.8.8.8",
];
const AWS_SERVICES = ["S3", "DYNAMODB", "AMAZON", "EC2"];
const TCP_FLAGS = ["2", "18", "19", "3", "1"];

function flowRecord(rand: () => number, startSec: number, fields: readonly string[]): VpcFlowRecord {
  const egress = rand() < 0.5;
  const local = pick(rand, INSTANCE_ADDRS);
  const remote = pick(rand, REMOTE_ADDRS);
  const protocol = rand() < 0.85 ? "6" : rand() < 0.7 ? "17" : "1";
  // Mostly small flows; about 2% large ones (the exfiltration alarm's bytes > 100000).
  const large = rand() < 0.02;
  const packets = large ? 100 + Math.floor(rand() * 4000) : 1 + Math.floor(rand() * 40);
  const bytes = packets * (40 + Math.floor(rand() * (large ? 1460 : 1000)));
  const highPort = String(1024 + Math.floor(rand() * 64000));
  const servicePort = pick(rand, ["443", "22", "80", "3306", "53"]);
  const [srcaddr, dstaddr] = egress ? [local, remote] : [remote, local];
  const [srcport, dstport] = egress ? [highPort, servicePort] : [servicePort, highPort];
  const service = rand() < 0.2 ? pick(rand, AWS_SERVICES) : undefined;
  const custom = fields.some((f) => !VPC_DEFAULT_V2_FIELDS.includes(f));
  return {
    version: custom ? "5" : "2",
    "account-id": "123456789012",
    "interface-id": "eni-0a1b2c3d4e5f60718",
    srcaddr,
    dstaddr,
    srcport,
    dstport,
    protocol,
    packets: String(packets),
    bytes: String(bytes),
    start: String(startSec),
    end: String(startSec + 1 + Math.floor(rand() * 59)),
    action: rand() < 0.9 ? "ACCEPT" : "REJECT",
    "log-status": "OK",
    "vpc-id": "vpc-0f1e2d3c4b5a69788",
    "subnet-id": "subnet-0123456789abcdef0",
    "instance-id": "i-0fedcba9876543210",
    "tcp-flags": protocol === "6" ? pick(rand, TCP_FLAGS) : "0",
    type: "IPv4",
    "pkt-srcaddr": srcaddr,
    "pkt-dstaddr": dstaddr,
    region: "us-east-1",
    "az-id": "use1-az1",
    "pkt-src-aws-service": egress ? undefined : service,
    "pkt-dst-aws-service": egress ? service : undefined,
    "flow-direction": egress ? "egress" : "ingress",
    "traffic-path": egress ? pick(rand, ["1", "2", "8"]) : undefined,
  };
}

/** A NODATA record: no traffic in the window, so only the identity and window fields have values. */
function noDataRecord(startSec: number, fields: readonly string[]): VpcFlowRecord {
  const custom = fields.some((f) => !VPC_DEFAULT_V2_FIELDS.includes(f));
  return {
    version: custom ? "5" : "2",
    "account-id": "123456789012",
    "interface-id": "eni-0a1b2c3d4e5f60718",
    start: String(startSec),
    end: String(startSec + 60),
    "log-status": "NODATA",
  };
}

/** n records starting 2023-11-25T08:00:00Z; same seed and fields, same lines. */
export function* vpcFlowLines(
  n: number,
  opts: { seed?: number; fields?: readonly string[]; startSec?: number } = {},
): Generator<string> {
  const rand = seededRandom(opts.seed ?? 1);
  const fields = opts.fields ?? VPC_DEFAULT_V2_FIELDS;
  let start = opts.startSec ?? 1_700_899_200;
  for (let i = 0; i < n; i++) {
    start += Math.floor(rand() * 2);
    const record = rand() < 0.01 ? noDataRecord(start, fields) : flowRecord(rand, start, fields);
    yield formatVpcFlowRecord(record, fields);
  }
}
