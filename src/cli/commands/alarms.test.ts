import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { runCli } from "../../testing/cli.js";

const T = Date.UTC(2026, 10, 25, 8, 21, 0);
let dir: string;
let config: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-cli-alarms-"));
  config = path.join(dir, "mamori.yaml");
  fs.writeFileSync(
    config,
    `data_dir: ${path.join(dir, "data")}
metric_filters:
  - { name: f, group: g, pattern: '"[preauth]"', metric: { namespace: Security, name: SshPreauth } }
alarms:
  - { name: ssh-intrusion, metric: { namespace: Security, name: SshPreauth }, statistic: Sum, period: 60, evaluation_periods: 1, threshold: 1, comparison: GreaterThanOrEqualToThreshold }
  - { name: quiet, metric: { namespace: Security, name: SshPreauth }, statistic: Sum, period: 60, evaluation_periods: 1, threshold: 100, comparison: GreaterThanOrEqualToThreshold }
`,
  );
  fs.mkdirSync(path.join(dir, "data"));
  const store = openSqliteStore(path.join(dir, "data"));
  await store.alarms.put({
    name: "ssh-intrusion",
    state: "ALARM",
    reason: "Threshold Crossed: test",
    reasonData: "{}",
    since: T,
    evaluatedAt: T,
  });
  await store.alarms.appendHistory({
    name: "ssh-intrusion",
    timestamp: T - 1,
    type: "ConfigurationUpdate",
    summary: 'Alarm "ssh-intrusion" created',
    data: "{}",
  });
  await store.alarms.appendHistory({
    name: "ssh-intrusion",
    timestamp: T,
    type: "StateUpdate",
    summary: "Alarm updated from INSUFFICIENT_DATA to ALARM",
    data: "{}",
  });
  await store.logs.ingest({
    events: [],
    checkpoints: [],
    metricPoints: [
      { namespace: "Security", name: "SshPreauth", dimensions: {}, timestamp: T + 5_000, value: 1 },
      { namespace: "Security", name: "SshPreauth", dimensions: {}, timestamp: T + 45_000, value: 2 },
      { namespace: "Security", name: "SshPreauth", dimensions: {}, timestamp: T + 65_000, value: 4 },
    ],
  });
  await store.close();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("mamori alarms", () => {
  it("list: name, state, since, reason (configured alarms not evaluated yet say so)", async () => {
    const r = await runCli(["alarms", "list", "--config", config]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ssh-intrusion\s+ALARM\s+2026-11-25T08:21:00\.000Z\s+Threshold Crossed: test$/m);
    assert.match(r.stdout, /^quiet\s+INSUFFICIENT_DATA\s+-\s+not evaluated yet/m);
    const json = await runCli(["alarms", "list", "--config", config, "--json"]);
    const first = JSON.parse(json.stdout.split("\n")[0]);
    assert.deepEqual(
      [first.AlarmName, first.StateValue, first.StateUpdatedTimestamp],
      ["ssh-intrusion", "ALARM", "2026-11-25T08:21:00.000Z"],
    );
  });

  it("history NAME: newest first; an unknown alarm is a usage error (exit 2)", async () => {
    const r = await runCli(["alarms", "history", "ssh-intrusion", "--config", config, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const items = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      items.map((i) => i.HistoryItemType),
      ["StateUpdate", "ConfigurationUpdate"],
    );
    const bad = await runCli(["alarms", "history", "nope", "--config", config]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no alarm "nope"; known alarms: ssh-intrusion, quiet/);
  });
});

describe("mamori metrics get", () => {
  it("rolls the store's buckets up to the period, for each statistic asked", async () => {
    const r = await runCli([
      "metrics",
      "get",
      "Security",
      "SshPreauth",
      "--config",
      config,
      "--start",
      String(T),
      "--end",
      String(T + 120_000),
      "--statistic",
      "Sum",
      "SampleCount",
      "Maximum",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      Label: "SshPreauth",
      Datapoints: [
        { Timestamp: "2026-11-25T08:21:00.000Z", Sum: 3, SampleCount: 2, Maximum: 2, Unit: "None" },
        { Timestamp: "2026-11-25T08:22:00.000Z", Sum: 4, SampleCount: 1, Maximum: 4, Unit: "None" },
      ],
    });
    const fiveMin = await runCli([
      "metrics",
      "get",
      "Security",
      "SshPreauth",
      "--config",
      config,
      "--start",
      String(T),
      "--end",
      String(T + 300_000),
      "--period",
      "5m",
    ]);
    assert.match(fiveMin.stdout, /^2026-11-25T08:20:00\.000Z\s+7$/m);
  });

  it("a bad period is a usage error", async () => {
    const r = await runCli([
      "metrics",
      "get",
      "Security",
      "SshPreauth",
      "--config",
      config,
      "--period",
      "45",
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--period must be 10, 30 or a multiple of 60 seconds/);
  });
});
