import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configSchema, metricFilterSchema } from "../config/schema.js";
import type { LogEvent } from "../core/event.js";
import { metricAndAlarmChecks } from "./check.js";
import { compileMetricFilters } from "./filters.js";

const T = Date.UTC(2026, 10, 25, 8, 21, 0);
const ev = (message: string, timestamp = T, group = "auth"): LogEvent => ({
  group,
  stream: "host",
  timestamp,
  ingestTime: timestamp,
  message,
});
const filter = (over: Record<string, unknown>) =>
  metricFilterSchema.parse({
    name: "f",
    group: "auth",
    pattern: "",
    metric: { namespace: "N", name: "M" },
    ...over,
  });

const PREAUTH = "Nov 25 08:21:45 ip-10-0-0-169 sshd[24078]: Connection closed by 10.0.0.167 [preauth]";
const ACCESS = (status: number, bytes: string) =>
  `127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" ${status} ${bytes}`;

describe("metric filters", () => {
  it("count: one point of value 1 per matching event, at the event's time, none for others", () => {
    const set = compileMetricFilters([filter({ pattern: '"[preauth]"' })]);
    const points = set.extract([
      ev(PREAUTH, T + 45_000),
      ev("Accepted publickey for ubuntu"),
      ev(PREAUTH, T + 50_000),
    ]);
    assert.deepEqual(
      points.map((p) => [p.namespace, p.name, p.value, p.timestamp]),
      [
        ["N", "M", 1, T + 45_000],
        ["N", "M", 1, T + 50_000],
      ],
    );
    assert.equal(set.counters.matched, 2);
  });

  it("only the events of the filter's own log group", () => {
    const set = compileMetricFilters([filter({ pattern: '"[preauth]"' })]);
    assert.equal(set.extract([ev(PREAUTH, T, "other-group")]).length, 0);
  });

  it("value from a space-delimited field ($bytes); a non-numeric value is skipped and counted", () => {
    const set = compileMetricFilters([
      filter({
        pattern: "[ip, id, user, timestamp, request, status_code = 5*, bytes]",
        metric: { namespace: "Web", name: "Bytes5xx", value: "$bytes", unit: "Bytes" },
      }),
    ]);
    const points = set.extract([ev(ACCESS(503, "1534")), ev(ACCESS(200, "99")), ev(ACCESS(500, "-"))]);
    assert.deepEqual(
      points.map((p) => [p.value, p.unit]),
      [[1534, "Bytes"]],
    );
    assert.equal(set.counters.matched, 2);
    assert.equal(set.counters.unusable, 1);
  });

  it("value from a JSON path ($.size), numbers and numeric strings", () => {
    const set = compileMetricFilters([
      filter({ pattern: "{ $.size = * }", metric: { namespace: "N", name: "Size", value: "$.size" } }),
    ]);
    const points = set.extract([
      ev('{"size": 20}'),
      ev('{"size": "2.5"}'),
      ev('{"size": "big"}'),
      ev('{"other": 1}'),
    ]);
    assert.deepEqual(
      points.map((p) => p.value),
      [20, 2.5],
    );
    assert.equal(set.counters.unusable, 1);
  });

  it("dimensions come from fields (an event whose field is missing gives no point)", () => {
    const set = compileMetricFilters([
      filter({
        pattern: "{ $.eventName = ConsoleLogin }",
        metric: {
          namespace: "CT",
          name: "Logins",
          dimensions: { IP: "$.sourceIPAddress", User: "$.userIdentity.type" },
        },
      }),
    ]);
    const points = set.extract([
      ev('{"eventName":"ConsoleLogin","sourceIPAddress":"198.51.100.7","userIdentity":{"type":"IAMUser"}}'),
      ev('{"eventName":"ConsoleLogin","userIdentity":{"type":"Root"}}'),
    ]);
    assert.deepEqual(
      points.map((p) => p.dimensions),
      [{ IP: "198.51.100.7", User: "IAMUser" }],
    );
    assert.equal(set.counters.unusable, 1);
  });

  // CloudWatch: "the value reported to the metric filter during a period when logs are ingested but no
  // matching logs are found" — once per period (minute), not once per non-matching event.
  it("default: ONE point per minute with events but no match (CloudWatch), none for silent minutes or minutes with a match", () => {
    const set = compileMetricFilters([
      filter({ pattern: '"[preauth]"', metric: { namespace: "N", name: "M", default: 0 } }),
    ]);
    const points = set.extract([
      ev("Accepted publickey", T + 1_000),
      ev("session opened", T + 2_000),
      ev("session closed", T + 3_000), // minute 08:21: three events, none match → one default point
      ev("noise", T + 60_000),
      ev(PREAUTH, T + 61_000), // minute 08:22: a match → no default
      // minute 08:23: no events at all → nothing
      ev("noise", T + 180_000), // minute 08:24 → one default point
    ]);
    assert.deepEqual(
      points.map((p) => [p.timestamp, p.value]).sort((a, b) => a[0] - b[0]),
      [
        [T, 0],
        [T + 61_000, 1],
        [T + 180_000, 0],
      ],
    );
    // a later batch for a minute already given its default does not add another
    assert.deepEqual(set.extract([ev("more noise", T + 5_000)]), []);
    assert.equal(set.counters.defaults, 2);
  });
});

describe("config checks for metric filters and alarms", () => {
  const locate = (p: readonly (string | number)[], message: string) => ({
    file: "f",
    line: 1,
    col: 1,
    message: `${p.join(".")}: ${message}`,
  });
  const config = (over: Record<string, unknown>) =>
    configSchema.parse({
      metric_filters: [{ name: "f", group: "g", pattern: '"x"', metric: { namespace: "N", name: "M" } }],
      alarms: [],
      ...over,
    });
  const cases: Array<[string, Record<string, unknown>, RegExp | undefined]> = [
    ["a valid config", {}, undefined],
    [
      "a bad pattern, with its place in the pattern",
      {
        metric_filters: [
          { name: "f", group: "g", pattern: "{ $.a = ", metric: { namespace: "N", name: "M" } },
        ],
      },
      /^metric_filters\.0\.pattern: invalid filter pattern at 1:\d+/,
    ],
    [
      "a value that is neither a number nor a field",
      {
        metric_filters: [
          { name: "f", group: "g", pattern: "", metric: { namespace: "N", name: "M", value: "bytes" } },
        ],
      },
      /^metric_filters\.0\.metric\.value: "bytes" is not a number/,
    ],
    [
      "an alarm on a metric nothing produces",
      {
        alarms: [
          {
            name: "a",
            metric: { namespace: "N", name: "Typo" },
            statistic: "Sum",
            period: 60,
            evaluation_periods: 1,
            threshold: 1,
            comparison: "GreaterThanThreshold",
          },
        ],
      },
      /^alarms\.0\.metric: no metric filter produces N\/Typo.*N\/M/,
    ],
    [
      "early firing where it is not sound",
      {
        alarms: [
          {
            name: "a",
            metric: { namespace: "N", name: "M" },
            statistic: "Average",
            period: 60,
            evaluation_periods: 1,
            threshold: 1,
            comparison: "GreaterThanThreshold",
            early: true,
          },
        ],
      },
      /^alarms\.0\.early: early firing needs/,
    ],
  ];
  for (const [what, over, want] of cases) {
    it(what, () => {
      const problems = metricAndAlarmChecks(config(over), locate);
      if (!want) assert.deepEqual(problems, []);
      else {
        assert.equal(problems.length, 1, JSON.stringify(problems));
        assert.match(problems[0].message, want);
      }
    });
  }
});
