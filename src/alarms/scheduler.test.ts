import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import { alarmSchema, metricFilterSchema } from "../config/schema.js";
import { ManualClock } from "../core/clock.js";
import { compileMetricFilters } from "../metrics/filters.js";
import type { Notification, Publisher } from "../notify/types.js";
import { Pipeline } from "../pipeline/pipeline.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import type { AlarmMessage } from "./message.js";
import { AlarmScheduler } from "./scheduler.js";
import { MODES, TABLES } from "./testing/missing-data-tables.js";

const silent = pino({ level: "silent" });
const T0 = Date.UTC(2026, 10, 25, 8, 21, 0);
const PREAUTH = "Nov 25 08:21:45 ip-10-0-0-169 sshd[24078]: Connection closed by 10.0.0.167 [preauth]";
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

const filters = compileMetricFilters([
  metricFilterSchema.parse({
    name: "ssh-preauth",
    group: "/var/log/auth.log",
    pattern: '"[preauth]"',
    metric: { namespace: "Security", name: "SshPreauth", value: "1" },
  }),
]);

const sshAlarm = (over: Record<string, unknown> = {}) =>
  alarmSchema.parse({
    name: "ssh-intrusion",
    description: "SSH connections closed before authentication",
    metric: { namespace: "Security", name: "SshPreauth" },
    statistic: "Sum",
    period: 60,
    evaluation_periods: 1,
    threshold: 1,
    comparison: "GreaterThanOrEqualToThreshold",
    treat_missing_data: "missing",
    actions: { alarm: ["security"] },
    ...over,
  });

function recorder() {
  const sent: Array<{ topic: string; n: Notification }> = [];
  const publisher: Publisher = { publish: (topic, n) => void sent.push({ topic, n }) };
  return { sent, publisher, alarms: () => sent.map((s) => s.n.json as AlarmMessage) };
}

function world(
  alarms = [sshAlarm()],
  store = openSqliteStore(":memory:"),
  clock = new ManualClock(T0 + 10_000),
) {
  const pipeline = new Pipeline({ logs: store.logs, log: silent });
  pipeline.addExtractor(filters.extract);
  const rec = recorder();
  const scheduler = new AlarmScheduler({
    alarms,
    store,
    clock,
    publisher: rec.publisher,
    log: silent,
    filters,
  });
  pipeline.addConsumer(scheduler);
  const ingest = async (message: string, timestamp = clock.now()) => {
    await pipeline.emitAndCommit({
      events: [
        { group: "/var/log/auth.log", stream: "ip-10-0-0-169", timestamp, ingestTime: clock.now(), message },
      ],
      checkpoints: [],
    });
    await settle();
    await scheduler.settled();
  };
  /** moves the clock, letting each due evaluation finish before the next timer */
  const advance = async (ms: number, step = 1_000) => {
    for (let left = ms; left > 0; left -= step) {
      clock.advance(Math.min(step, left));
      await settle();
      await scheduler.settled();
    }
  };
  return { store, clock, pipeline, scheduler, ingest, advance, ...rec };
}

describe("AlarmScheduler", () => {
  it("a new alarm starts in INSUFFICIENT_DATA, 'Unchecked: Initial alarm creation'", async () => {
    const w = world([sshAlarm({ treat_missing_data: "missing" })]);
    await w.scheduler.start();
    const s = await w.store.alarms.get("ssh-intrusion");
    assert.equal(s?.state, "INSUFFICIENT_DATA");
    assert.equal(s?.reason, "Unchecked: Initial alarm creation");
    assert.equal(w.sent.length, 0);
    await w.scheduler.stop();
  });

  it("early firing: the matching line fires the alarm at once, with the reason and the sample line", async () => {
    const w = world();
    await w.scheduler.start();
    await w.ingest("Nov 25 08:21:40 ip-10-0-0-169 sshd[1]: Accepted publickey for ubuntu");
    assert.equal(w.sent.length, 0);
    await w.ingest(PREAUTH, T0 + 45_000);
    assert.equal(w.clock.now(), T0 + 10_000, "no time passed: fired on the commit, not at the period's end");
    assert.deepEqual(
      w.sent.map((s) => s.topic),
      ["security"],
    );
    const m = w.alarms()[0];
    assert.equal(m.AlarmName, "ssh-intrusion");
    assert.equal(m.OldStateValue, "INSUFFICIENT_DATA");
    assert.equal(m.NewStateValue, "ALARM");
    assert.equal(
      m.NewStateReason,
      "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (25/11/26 08:21:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).",
    );
    assert.equal(m.StateChangeTime, "2026-11-25T08:21:10.000+0000");
    assert.equal(m.Trigger.Statistic, "SUM");
    assert.deepEqual(
      m.Samples.map((s) => [s.message, s.logGroup, s.logStream]),
      [[PREAUTH, "/var/log/auth.log", "ip-10-0-0-169"]],
    );
    const history = await w.store.alarms.history("ssh-intrusion");
    assert.deepEqual(history.map((h) => h.type).reverse(), ["ConfigurationUpdate", "StateUpdate", "Action"]);
    // more matching lines while in ALARM: no new notification (actions on transitions only)
    await w.ingest(PREAUTH, T0 + 50_000);
    await w.advance(60_000);
    assert.equal(w.sent.length, 1);
    await w.scheduler.stop();
  });

  it("back to OK at the first boundary with no data (notBreaching), notifying the ok topics", async () => {
    const w = world([
      sshAlarm({ treat_missing_data: "missing", actions: { alarm: ["security"], ok: ["security-ok"] } }),
    ]);
    await w.scheduler.start();
    await w.ingest(PREAUTH, T0 + 45_000);
    // a line that does not match gives the metric a 0 for 08:22 (as a `default: 0` would)
    await w.advance(60_000 - 10_000 + 5_000);
    assert.equal(
      (await w.store.alarms.get("ssh-intrusion"))?.state,
      "ALARM",
      "08:22:05 evaluates 08:21: still breaching",
    );
    await w.store.logs.ingest({
      events: [],
      checkpoints: [],
      metricPoints: [
        { namespace: "Security", name: "SshPreauth", dimensions: {}, timestamp: T0 + 70_000, value: 0 },
      ],
    });
    await w.advance(60_000);
    const s = await w.store.alarms.get("ssh-intrusion");
    assert.equal(s?.state, "OK", "08:23:05 evaluates 08:22: 0 < 1");
    assert.equal(s?.since, T0 + 2 * 60_000 + 5_000);
    assert.deepEqual(
      w.sent.map((x) => [x.topic, (x.n.json as AlarmMessage).NewStateValue]),
      [
        ["security", "ALARM"],
        ["security-ok", "OK"],
      ],
    );
    assert.deepEqual(w.alarms()[1].Samples, [], "OK messages carry no samples");
    await w.scheduler.stop();
  });

  it("without early firing, the alarm waits for the period to close (plus the evaluation delay)", async () => {
    const w = world([sshAlarm({ early: false })]);
    await w.scheduler.start();
    await w.ingest(PREAUTH, T0 + 45_000);
    assert.equal(w.sent.length, 0);
    await w.advance(T0 + 60_000 + 4_000 - w.clock.now());
    assert.equal(w.sent.length, 0, "08:22:04: the delay lets late lines of 08:21 land");
    await w.advance(1_000);
    assert.equal(w.sent.length, 1, "08:22:05: evaluated");
    await w.scheduler.stop();
  });

  it("M out of N on the clock: 2 of 3 one-minute periods", async () => {
    const w = world([
      sshAlarm({
        evaluation_periods: 3,
        datapoints_to_alarm: 2,
        early: false,
        treat_missing_data: "notBreaching",
      }),
    ]);
    await w.scheduler.start();
    await w.ingest(PREAUTH, T0 + 20_000); // 08:21
    await w.advance(60_000); // now 08:22:10
    await w.advance(60_000); // 08:22 empty; evaluated at 08:23:05 → 1 of 3
    assert.equal(w.sent.length, 0);
    await w.ingest(PREAUTH, w.clock.now()); // 08:23
    await w.advance(60_000); // evaluated at 08:24:05 → 2 of 3
    assert.equal(w.sent.length, 1);
    assert.match(
      w.alarms()[0].NewStateReason,
      /^Threshold Crossed: 2 out of the last 2 datapoints \[1\.0 \(25\/11\/26 08:23:00\), 1\.0 \(25\/11\/26 08:21:00\)\] were greater than or equal to the threshold \(1\.0\) and 1 missing datapoint was treated as \[NonBreaching\] \(minimum 2 datapoints for OK -> ALARM transition\)\.$/,
    );
    assert.equal(w.alarms()[0].Samples.length, 2);
    await w.scheduler.stop();
  });

  it("treat_missing_data breaching, stepped through the doc's row 2: OK now, ALARM one period later", async () => {
    const a = sshAlarm({
      period: 300,
      evaluation_periods: 3,
      threshold: 5,
      comparison: "GreaterThanThreshold",
      treat_missing_data: "breaching",
      early: false,
      actions: { alarm: ["security"] },
    });
    const clock = new ManualClock(T0 - 21 * 60_000 + 1_000); // 08:00:01
    const w = world([a], undefined, clock);
    await w.ingest(
      "Nov 25 08:00:01 ip sshd[2]: Connection closed by 10.0.0.1 [preauth]",
      Date.UTC(2026, 10, 25, 8, 0, 1),
    ); // "0" in 08:00-08:05
    await w.scheduler.start();
    await w.advance(25 * 60_000 + 4_000, 5_000); // 08:25:05: range 08:00..08:25 = "0 - - - -"
    assert.equal(
      (await w.store.alarms.get(a.name))?.state,
      "OK",
      "0 + two missing treated as breaching: still OK",
    );
    // (at 08:00:01 nothing was in range: 3 missing treated as breaching → ALARM; at 08:05:05 the 0 made it OK)
    assert.deepEqual(
      w.alarms().map((m) => m.NewStateValue),
      ["ALARM"],
    );
    await w.advance(5 * 60_000 - 5_000, 5_000);
    assert.equal((await w.store.alarms.get(a.name))?.state, "OK", "08:30:00: not evaluated yet");
    await w.advance(5_000);
    assert.equal(
      (await w.store.alarms.get(a.name))?.state,
      "ALARM",
      "08:30:05: the good point left the range → ALARM",
    );
    assert.equal(
      w.alarms()[1].NewStateReason,
      "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].",
    );
    await w.scheduler.stop();
  });

  it("a restart neither forgets an ALARM nor sends it again", async () => {
    const store = openSqliteStore(":memory:");
    const clock = new ManualClock(T0 + 10_000);
    const first = world([sshAlarm({ evaluation_periods: 5, datapoints_to_alarm: 1 })], store, clock);
    await first.scheduler.start();
    await first.ingest(PREAUTH, T0 + 45_000);
    assert.equal(first.sent.length, 1);
    await first.scheduler.stop();

    await first.advance(30_000); // down for a while
    const second = world([sshAlarm({ evaluation_periods: 5, datapoints_to_alarm: 1 })], store, clock);
    await second.scheduler.start();
    await second.advance(120_000);
    assert.equal((await store.alarms.get("ssh-intrusion"))?.state, "ALARM");
    assert.equal(second.sent.length, 0, "still ALARM after the restart: nothing re-sent");
    assert.equal(
      (await store.alarms.get("ssh-intrusion"))?.since,
      T0 + 10_000,
      "since kept from before the restart",
    );
    await second.scheduler.stop();
    await store.close();
  });

  it("notBreaching: a new alarm goes INSUFFICIENT_DATA -> OK on its first evaluation (as CloudWatch)", async () => {
    const w = world([sshAlarm({ treat_missing_data: "notBreaching" })]);
    await w.scheduler.start();
    const s = await w.store.alarms.get("ssh-intrusion");
    assert.equal(s?.state, "OK");
    assert.equal(
      s?.reason,
      "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].",
    );
    await w.scheduler.stop();
  });

  it("an alarm with ignore keeps its state when data stops", async () => {
    const w = world([sshAlarm({ treat_missing_data: "ignore" })]);
    await w.scheduler.start();
    await w.ingest(PREAUTH, T0 + 45_000);
    await w.advance(10 * 60_000, 5_000);
    assert.equal((await w.store.alarms.get("ssh-intrusion"))?.state, "ALARM");
    assert.equal(w.sent.length, 1);
    await w.scheduler.stop();
  });
});

describe("AlarmScheduler on a ManualClock: every row of CloudWatch's missing-data tables", () => {
  const P = 300_000;
  const boundary = Date.UTC(2026, 10, 25, 9, 0, 0);
  for (const { title, rows, m } of TABLES) {
    for (const [points, ...outcomes] of rows) {
      MODES.forEach((mode, i) => {
        it(`${title}: ${points} treated as ${mode} → ${outcomes[i]}`, async () => {
          const a = sshAlarm({
            period: 300,
            evaluation_periods: 3,
            datapoints_to_alarm: m,
            threshold: 5,
            comparison: "GreaterThanThreshold",
            treat_missing_data: mode,
            early: false,
          });
          const store = openSqliteStore(":memory:");
          const cells = points.split(" ");
          await store.logs.ingest({
            events: [],
            checkpoints: [],
            metricPoints: cells.flatMap((c, k) =>
              c === "-"
                ? []
                : [
                    {
                      namespace: "Security",
                      name: "SshPreauth",
                      dimensions: {},
                      timestamp: boundary - (cells.length - k) * P + 1_000,
                      value: c === "X" ? 10 : 0,
                    },
                  ],
            ),
          });
          // the alarm was in ALARM before (so "retain" is visible), and 4 s before its evaluation time
          await store.alarms.put({
            name: a.name,
            state: "ALARM",
            reason: "before",
            reasonData: null,
            since: 0,
            evaluatedAt: 0,
          });
          const clock = new ManualClock(boundary + 4_000 - P);
          const w = world([a], store, clock);
          await w.scheduler.start();
          await w.advance(P + 1_000, 1_000); // through 09:00:05, the evaluation of the five periods before 09:00
          const want = outcomes[i] === "retain" ? "ALARM" : outcomes[i];
          assert.equal((await store.alarms.get(a.name))?.state, want);
          const toAlarm = (await store.alarms.history(a.name)).filter((h) => h.summary.endsWith("to ALARM"));
          assert.equal(
            w.sent.length,
            toAlarm.length,
            "a notification for each transition to ALARM, none otherwise",
          );
          await w.scheduler.stop();
          await store.close();
        });
      });
    }
  }
});
