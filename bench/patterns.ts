/**
 * `npm run bench -- patterns [--scale F]`: events/s of compiled filter patterns per pattern kind on generated
 * data (1,000,000 auth.log lines, 1,000,000 VPC flow-log lines in the seed's 29-field custom format,
 * 200,000 CloudTrail records), and JSON.parse of each event as the baseline a JSON pattern must beat.
 * Data is generated in chunks outside the timed loops. `--scale 0.1` runs a tenth of it.
 * Targets: term >= 3,000,000 lines/s, space-delimited >= 1,000,000/s, JSON >= 300,000/s and faster than JSON.parse.
 */
import { type CompiledPattern, compilePattern } from "../src/patterns/index.js";
import { authLogLines } from "./gen/auth-log.js";
import { cloudTrailRecords } from "./gen/cloudtrail.js";
import { VPC_CUSTOM_29_FIELDS, vpcFlowLines } from "./gen/vpc-flow.js";

const CHUNK = 100_000;

interface Figure {
  name: string;
  events: number;
  matched: number;
  ms: number;
}

/** Times `test` over every chunk of `source`; generation time is not counted. Best of `rounds` passes. */
function measure(name: string, chunks: string[][], test: (line: string) => boolean, rounds = 2): Figure {
  let best = Number.POSITIVE_INFINITY;
  let matched = 0;
  let events = 0;
  for (let r = 0; r < rounds; r++) {
    let ms = 0;
    matched = 0;
    events = 0;
    for (const chunk of chunks) {
      const t0 = performance.now();
      for (const line of chunk) if (test(line)) matched++;
      ms += performance.now() - t0;
      events += chunk.length;
    }
    best = Math.min(best, ms);
  }
  return { name, events, matched, ms: best };
}

function chunked(lines: Iterable<string>): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  for (const line of lines) {
    chunk.push(line);
    if (chunk.length === CHUNK) {
      chunks.push(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function* mapIter<T, U>(it: Iterable<T>, f: (t: T) => U): Generator<U> {
  for (const t of it) yield f(t);
}

function matcher(pattern: CompiledPattern): (line: string) => boolean {
  return (line) => pattern.match(line) !== undefined;
}

function rate(f: Figure): number {
  return f.events / (f.ms / 1000);
}

function print(f: Figure, target?: number): void {
  const perSec = rate(f);
  const verdict =
    target === undefined
      ? ""
      : perSec >= target
        ? `  (target ${target.toLocaleString("en-US")}: ok)`
        : `  (target ${target.toLocaleString("en-US")}: MISSED)`;
  process.stdout.write(
    `${f.name.padEnd(58)} ${String(Math.round(perSec)).padStart(11)} events/s  ${f.events} events, ${f.matched} matched, ${f.ms.toFixed(0)} ms${verdict}\n`,
  );
}

function ratio(a: Figure, b: Figure): string {
  return `${(rate(a) / rate(b)).toFixed(1)}x`;
}

function scaleArg(args: string[]): number {
  const i = args.indexOf("--scale");
  const scale = i >= 0 ? Number(args[i + 1]) : 1;
  if (!(scale > 0 && scale <= 10)) throw new Error("--scale takes a number in (0, 10]");
  return scale;
}

const AUTH_PATTERNS: [string, string, number | undefined][] = [
  ["term", '"[preauth]"', 3_000_000],
  ["term (multi: 2 AND + 1 exclude)", '"Failed password" sshd -"invalid user"', 3_000_000],
  ["term (?OR)", '?"Failed password" ?"Invalid user" ?"authentication failure"', undefined],
  ["term (regex term)", "%Failed password for \\w+ from%", undefined],
  ["regex", "%^\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\S+ sshd\\[\\d+\\]: Invalid user%", undefined],
];
const VPC_PATTERN =
  "[account_id, action, az_id, bytes > 100000, dstaddr!=123.123.123.123 && dstaddr!=210.210.210.210 , dstport, end, flow_direction = egress, ...]";
const TRAIL_PATTERN =
  '{ $.responseElements.ConsoleLogin = "Success" && $.sourceIPAddress != "203.0.113.10" }';
const TRAIL_OR = '{ $.eventName = "ConsoleLogin" || $.errorCode = * }';
/** NOT EXISTS of a key that appears nowhere in the message: answered without walking. */
const TRAIL_ABSENT_KEY = "{ $.readOnly IS FALSE && $.errorCode NOT EXISTS }";
/** The scanner's worst case: "userName" appears (inside userIdentity), so finding it absent at the top walks every member. */
const TRAIL_FULL_SCAN = "{ $.readOnly IS FALSE && $.userName NOT EXISTS }";

export async function run(args: string[]): Promise<void> {
  const scale = scaleArg(args);
  const nAuth = Math.round(1_000_000 * scale);
  const nVpc = Math.round(1_000_000 * scale);
  const nTrail = Math.round(200_000 * scale);

  const auth = chunked(authLogLines(nAuth, 1));
  for (const [kind, pattern, target] of AUTH_PATTERNS) {
    print(
      measure(`auth.log  ${kind}: ${pattern}`.slice(0, 58), auth, matcher(compilePattern(pattern))),
      target,
    );
  }
  auth.length = 0;

  const vpc = chunked(vpcFlowLines(nVpc, { seed: 1, fields: VPC_CUSTOM_29_FIELDS }));
  print(
    measure(
      "VPC 29-field  space-delimited (seed's exfiltration pattern)",
      vpc,
      matcher(compilePattern(VPC_PATTERN)),
    ),
    1_000_000,
  );
  print(measure("VPC 29-field  baseline: line.split(' ') only", vpc, (l) => l.split(" ").length === 29));
  vpc.length = 0;

  const trail = chunked(mapIter(cloudTrailRecords(nTrail, 1), (r) => JSON.stringify(r)));
  const json = measure(
    "CloudTrail  JSON (seed's ConsoleLogin pattern)",
    trail,
    matcher(compilePattern(TRAIL_PATTERN)),
  );
  const or = measure(
    "CloudTrail  JSON (|| and = *, OR-aware prefilter)",
    trail,
    matcher(compilePattern(TRAIL_OR)),
  );
  const absentKey = measure(
    "CloudTrail  JSON (NOT EXISTS, key text absent)",
    trail,
    matcher(compilePattern(TRAIL_ABSENT_KEY)),
  );
  const fullScan = measure(
    "CloudTrail  JSON (NOT EXISTS, key elsewhere: full walk)",
    trail,
    matcher(compilePattern(TRAIL_FULL_SCAN)),
  );
  const parse = measure("CloudTrail  baseline: JSON.parse per event + same test", trail, (line) => {
    const r = JSON.parse(line);
    return (
      r?.responseElements?.ConsoleLogin === "Success" &&
      typeof r.sourceIPAddress === "string" &&
      r.sourceIPAddress !== "203.0.113.10"
    );
  });
  print(json, 300_000);
  print(or, 300_000);
  print(absentKey, 300_000);
  print(fullScan, 300_000);
  print(parse);
  process.stdout.write(
    `JSON pattern vs JSON.parse: ${ratio(json, parse)} (seed pattern), ${ratio(or, parse)} (||), ${ratio(absentKey, parse)} (absent key), ${ratio(fullScan, parse)} (full walk)\n`,
  );
  if (json.matched !== parse.matched) {
    process.stdout.write(
      `WARNING: JSON pattern matched ${json.matched}, JSON.parse baseline ${parse.matched}\n`,
    );
  }
}
