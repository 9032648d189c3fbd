/** Every row of the test tables in shared/spec/filter-patterns.md, plus the seeds' three patterns. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatVpcFlowRecord, VPC_CUSTOM_29_FIELDS } from "../../bench/gen/vpc-flow.js";
import { compilePattern } from "./index.js";

const EVENTS_A = [
  "[ERROR 400] BAD REQUEST",
  "[ERROR 401] UNAUTHORIZED REQUEST",
  "[ERROR 419] MISSING ARGUMENTS",
  "[ERROR 420] INVALID ARGUMENTS",
];

function matchingLines(pattern: string, lines: string[]): number[] {
  const p = compilePattern(pattern);
  return lines.flatMap((line, i) => (p.match(line) ? [i + 1] : []));
}

describe("spec: term and regex patterns on events A", () => {
  const rows: [pattern: string, lines: number[]][] = [
    ["ERROR", [1, 2, 3, 4]],
    ["ERROR ARGUMENTS", [3, 4]],
    ["?ARGUMENTS ?UNAUTHORIZED", [2, 3, 4]],
    ['"INVALID ARGUMENTS"', [4]],
    ["ERROR -ARGUMENTS", [1, 2]],
    ["error", []],
    ['""', [1, 2, 3, 4]],
    ["%UNAUTHORIZED%", [2]],
    ["%4[0-9]{2}%", [1, 2, 3, 4]],
    ["%^\\[ERROR 42\\d\\]%", [4]],
  ];
  for (const [pattern, lines] of rows) {
    it(`${pattern} → ${lines.join(" ") || "none"}`, () =>
      assert.deepEqual(matchingLines(pattern, EVENTS_A), lines));
  }
});

const EVENT_B = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534';

describe("spec: space-delimited patterns on event B", () => {
  const rows: [pattern: string, match: boolean][] = [
    ["[ip, user, username, timestamp, request, status_code, bytes]", true],
    ["[ip, user, username, timestamp, request, status_code=4*, bytes]", true],
    ["[ip, user, username, timestamp, request, status_code=404, bytes>1000]", true],
    ["[ip, user, username, timestamp, request, status_code=404, bytes>2000]", false],
    ["[ip, user, username, timestamp, request, status_code!=200, bytes]", true],
    ["[ip, user, ..., status_code=404, bytes]", true],
    ["[ip, user, username, timestamp, request, status_code]", false],
    ["[..., bytes]", true],
    ["[ip=127.0.0.2 || ip=127.0.0.1, ...]", true],
  ];
  for (const [pattern, match] of rows) {
    it(`${pattern} → ${match ? "match" : "no match"}`, () => {
      assert.equal(compilePattern(pattern).match(EVENT_B) !== undefined, match);
    });
  }

  it("extracts every named field with quotes and brackets stripped", () => {
    assert.deepEqual(
      compilePattern("[ip, user, username, timestamp, request, status_code, bytes]").match(EVENT_B),
      {
        $ip: "127.0.0.1",
        $user: "-",
        $username: "frank",
        $timestamp: "10/Oct/2000:13:25:15 -0700",
        $request: "GET /index.html HTTP/1.0",
        $status_code: "404",
        $bytes: "1534",
      },
    );
  });

  it("[..., bytes] includes $bytes=1534", () => {
    assert.equal(compilePattern("[..., bytes]").match(EVENT_B)?.$bytes, "1534");
  });
});

const EVENT_C =
  '{"user":{"id":1,"email":"John.Stiles@example.com"},"users":[{"id":2,"email":"John.Doe@example.com"},{"id":3,"email":"Jane.Doe@example.com"}],"actions":["GET","PUT","DELETE"],"coordinates":[[0,1],[2,3]],"ok":true,"none":null,"cluster.name":"prod"}';

describe("spec: JSON patterns on event C", () => {
  const rows: [pattern: string, match: boolean][] = [
    ["{ $.user.id = 1 }", true],
    ["{ $.user.id = 1.0 }", true],
    ["{ $.user.id = 2 }", false],
    ["{ $.users[0].id = 2 }", true],
    ['{ $.actions[2] = "DELETE" }', true],
    ['{ $.actions = "GET" }', false],
    ["{ $.coordinates[0][1] = 1 }", true],
    ['{ $.user.email = "*@example.com" }', true],
    ['{ $.user.email = "John.*" }', true],
    ["{ $.ok IS TRUE }", true],
    ["{ $.none IS NULL }", true],
    ["{ $.missing NOT EXISTS }", true],
    ["{ $.user.id > 0 && $.users[1].id >= 3 }", true],
    [
      '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = 9 && $.actions[2] = "nomatch" }',
      true,
    ],
    [
      '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = 9) && $.actions[2] = "nomatch" }',
      false,
    ],
    ["{ $.['cluster.name'] = \"prod\" }", true],
  ];
  for (const [pattern, match] of rows) {
    it(`${pattern} → ${match ? "match" : "no match"}`, () => {
      const result = compilePattern(pattern).match(EVENT_C);
      assert.equal(result !== undefined, match);
      if (result) assert.deepEqual(result, {});
    });
  }
});

describe("spec: the seeds' own patterns, as written", () => {
  it('"[preauth]" matches the sshd Connection closed line', () => {
    const line = "Nov 25 08:21:45 ip-10-0-0-169 sshd[24078]: Connection closed by 10.0.0.167 [preauth]";
    assert.deepEqual(compilePattern('"[preauth]"').match(line), {});
  });

  const VPC_PATTERN =
    "[account_id, action, az_id, bytes > 100000, dstaddr!=123.123.123.123 && dstaddr!=210.210.210.210 , dstport, end, flow_direction = egress, ...]";
  const flow = (dstaddr: string, bytes: string, direction = "egress") =>
    formatVpcFlowRecord(
      {
        "account-id": "123456789012",
        action: "ACCEPT",
        "az-id": "use1-az1",
        bytes,
        dstaddr,
        dstport: "443",
        end: "1700899260",
        "flow-direction": direction,
        "instance-id": "i-0fedcba9876543210",
        "interface-id": "eni-0a1b2c3d4e5f60718",
        "log-status": "OK",
        packets: "180",
        "pkt-dstaddr": dstaddr,
        "pkt-srcaddr": "10.0.0.169",
        protocol: "6",
        region: "us-east-1",
        srcaddr: "10.0.0.169",
        srcport: "49152",
        start: "1700899200",
        "subnet-id": "subnet-0123456789abcdef0",
        "tcp-flags": "3",
        "traffic-path": "1",
        type: "IPv4",
        version: "5",
        "vpc-id": "vpc-0f1e2d3c4b5a69788",
      },
      VPC_CUSTOM_29_FIELDS,
    );

  it("VPC: a 250000-byte egress to 198.51.100.7 matches, with its extracted values", () => {
    const line = flow("198.51.100.7", "250000");
    assert.equal(line.split(" ").length, 29);
    const values = compilePattern(VPC_PATTERN).match(line);
    assert.ok(values);
    assert.equal(values.$bytes, "250000");
    assert.equal(values.$dstaddr, "198.51.100.7");
    assert.equal(values.$flow_direction, "egress");
    assert.equal(values.$1, "i-0fedcba9876543210"); // the first field under the ellipsis
    assert.equal(values.$21, "vpc-0f1e2d3c4b5a69788"); // the 29th field
  });

  const rows: [what: string, dstaddr: string, bytes: string, direction: string, match: boolean][] = [
    ["to an allow-listed destination", "123.123.123.123", "250000", "egress", false],
    ["to the other allow-listed destination", "210.210.210.210", "250000", "egress", false],
    ["small", "198.51.100.7", "100000", "egress", false],
    ["ingress", "198.51.100.7", "250000", "ingress", false],
  ];
  for (const [what, dstaddr, bytes, direction, match] of rows) {
    it(`VPC: ${what} → ${match ? "match" : "no match"}`, () => {
      assert.equal(compilePattern(VPC_PATTERN).match(flow(dstaddr, bytes, direction)) !== undefined, match);
    });
  }

  const CLOUDTRAIL = '{ $.responseElements.ConsoleLogin = "Success" && $.sourceIPAddress != "203.0.113.10" }';
  const login = (result: string, ip: string) =>
    JSON.stringify({
      eventVersion: "1.08",
      userIdentity: { type: "IAMUser", userName: "alice" },
      eventTime: "2023-11-25T08:00:12Z",
      eventSource: "signin.amazonaws.com",
      eventName: "ConsoleLogin",
      sourceIPAddress: ip,
      responseElements: { ConsoleLogin: result },
    });
  const trailRows: [result: string, ip: string, match: boolean][] = [
    ["Success", "198.51.100.77", true],
    ["Success", "203.0.113.10", false],
    ["Failure", "198.51.100.77", false],
  ];
  for (const [result, ip, match] of trailRows) {
    it(`CloudTrail: ConsoleLogin ${result} from ${ip} → ${match ? "match" : "no match"}`, () => {
      assert.equal(compilePattern(CLOUDTRAIL).match(login(result, ip)) !== undefined, match);
    });
  }
});

describe("spec: error positions", () => {
  const rows: [pattern: string, message: string][] = [
    ["[ip, user", "1:10: expected ',' or ']'"],
    ["{ $.a = }", "1:9: expected a value"],
    ["%(a)%", "1:2: groups are not supported in filter-pattern regexes"],
  ];
  for (const [pattern, message] of rows) {
    it(`${pattern} → ${message}`, () => assert.throws(() => compilePattern(pattern), { message }));
  }
});
