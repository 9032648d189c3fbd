import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import { type TopicConfig, topicSchema } from "../config/schema.js";
import { ManualClock } from "../core/clock.js";
import type { DeliveryAttempt } from "../store/store.js";
import type { Channel } from "./channels/types.js";
import { sendToEverySubscription, TopicPublisher } from "./publisher.js";
import { testNotification } from "./render.js";
import type { Notification } from "./types.js";

const silent = pino({ level: "silent" });
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

const note = (text: string): Notification => testNotification({ text, time: "t", host: "h" });

/** A channel that fails its first `failures` sends (or forever with Infinity) and remembers what it got. */
function fakeChannel(id: string, failures = 0) {
  const got: string[] = [];
  let calls = 0;
  const channel: Channel = {
    id,
    async send(n) {
      calls++;
      if (calls <= failures) throw new Error(`receiver down (call ${calls})`);
      got.push(n.kind === "test" ? (n.json as { text: string }).text : n.kind);
    },
  };
  return { channel, got, calls: () => calls };
}

function setup(
  channels: Channel[],
  retry = { attempts: 4, backoff: 1, max_backoff: 3 },
  queueCapacity = 100,
) {
  const clock = new ManualClock(1_000_000);
  const records: DeliveryAttempt[] = [];
  const topic: TopicConfig = topicSchema.parse({ name: "security", retry });
  const publisher = new TopicPublisher([topic], () => channels, {
    clock,
    deliveries: { record: async (a) => void records.push(a) },
    log: silent,
    host: "h",
    queueCapacity,
    stopGraceMs: 0,
  });
  return { clock, records, publisher };
}

describe("TopicPublisher", () => {
  it("delivers to every subscription and records each attempt", async () => {
    const a = fakeChannel("a");
    const b = fakeChannel("b");
    const { publisher, records } = setup([a.channel, b.channel]);
    publisher.start();
    publisher.publish("security", note("one"));
    await publisher.idle();
    assert.deepEqual([a.got, b.got], [["one"], ["one"]]);
    assert.deepEqual(
      records.map((r) => [r.topic, r.subscription, r.attempt, r.ok]),
      [
        ["security", "a", 1, true],
        ["security", "b", 1, true],
      ],
    );
    assert.equal(records[0].messageId, records[1].messageId);
    await publisher.stop();
  });

  it("retries a failing subscription with backoff on the clock, bounded; the others deliver at once", async () => {
    const down = fakeChannel("down", Number.POSITIVE_INFINITY);
    const up = fakeChannel("up");
    const { publisher, records, clock } = setup([down.channel, up.channel]);
    publisher.start();
    publisher.publish("security", note("alarm"));
    await settle();
    assert.deepEqual(up.got, ["alarm"], "the healthy subscription did not wait for the failing one");
    assert.equal(down.calls(), 1);
    // backoff 1 s, 2 s, then capped at max_backoff 3 s
    for (const [wait, callsAfter] of [
      [999, 1],
      [1, 2],
      [1999, 2],
      [1, 3],
      [2999, 3],
      [1, 4],
      [60_000, 4],
    ] as const) {
      clock.advance(wait);
      await settle();
      assert.equal(down.calls(), callsAfter, `after +${wait} ms`);
    }
    const failed = records.filter((r) => r.subscription === "down");
    assert.deepEqual(
      failed.map((r) => [r.attempt, r.ok, r.timestamp - 1_000_000]),
      [
        [1, false, 0],
        [2, false, 1000],
        [3, false, 3000],
        [4, false, 6000],
      ],
    );
    assert.match(failed[0].error!, /receiver down/);
    const stats = publisher.stats().find((s) => s.subscription === "down")!;
    assert.deepEqual([stats.failed, stats.attempts, stats.delivered], [1, 4, 0]);
    await publisher.stop();
  });

  it("a subscription that recovers delivers on a retry", async () => {
    const flaky = fakeChannel("flaky", 1);
    const { publisher, clock, records } = setup([flaky.channel]);
    publisher.start();
    publisher.publish("security", note("x"));
    await settle();
    clock.advance(1000);
    await publisher.idle();
    assert.deepEqual(flaky.got, ["x"]);
    assert.deepEqual(
      records.map((r) => r.ok),
      [false, true],
    );
    await publisher.stop();
  });

  it("a full queue drops its oldest message and counts it", async () => {
    const a = fakeChannel("a");
    const { publisher } = setup([a.channel], undefined, 2);
    for (const t of ["1", "2", "3", "4"]) publisher.publish("security", note(t)); // not started: all queue up
    publisher.start();
    await publisher.idle();
    assert.deepEqual(a.got, ["3", "4"]);
    assert.equal(publisher.stats()[0].dropped, 2);
    await publisher.stop();
  });

  it("publishing to an unknown topic sends nothing and is counted", async () => {
    const a = fakeChannel("a");
    const { publisher } = setup([a.channel]);
    publisher.start();
    publisher.publish("nope", note("x"));
    await publisher.idle();
    assert.equal(publisher.unknownTopics, 1);
    assert.deepEqual(a.got, []);
    await publisher.stop();
  });

  it("an attempt that hangs is cut by the timeout on the clock", async () => {
    const hang: Channel = {
      id: "hang",
      send: (_n, _c, signal) =>
        new Promise((_r, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
        ),
    };
    const { publisher, clock, records } = setup([hang], { attempts: 1, backoff: 1, max_backoff: 1 });
    publisher.start();
    publisher.publish("security", note("x"));
    await settle();
    clock.advance(10_000);
    await publisher.idle();
    assert.equal(records.length, 1);
    assert.match(records[0].error!, /timed out after 10000 ms/);
    await publisher.stop();
  });
});

describe("sendToEverySubscription (topics test)", () => {
  it("reports each subscription's result", async () => {
    const ok = fakeChannel("ok");
    const bad = fakeChannel("bad", 1);
    const topic = topicSchema.parse({ name: "t" });
    const records: DeliveryAttempt[] = [];
    const results = await sendToEverySubscription(topic, [ok.channel, bad.channel], note("hello"), {
      clock: new ManualClock(0),
      deliveries: { record: async (a) => void records.push(a) },
      log: silent,
      host: "h",
    });
    assert.deepEqual(
      results.map((r) => [r.subscription, r.ok]),
      [
        ["ok", true],
        ["bad", false],
      ],
    );
    assert.equal(records.length, 2);
  });

  it("a reload keeps an unchanged topic's queue; a changed topic's messages go to its new subscriptions", async () => {
    const down = fakeChannel("down", Number.POSITIVE_INFINITY);
    const up = fakeChannel("up");
    const other = fakeChannel("other", Number.POSITIVE_INFINITY);
    const clock = new ManualClock(1_000_000);
    const topics = [
      topicSchema.parse({ name: "security", retry: { attempts: 5, backoff: 1 } }),
      topicSchema.parse({ name: "ops", retry: { attempts: 5, backoff: 1 } }),
    ];
    const publisher = new TopicPublisher(topics, (t) => [t.name === "ops" ? other.channel : down.channel], {
      clock,
      deliveries: { record: async () => {} },
      log: silent,
      host: "h",
      stopGraceMs: 0,
    });
    publisher.start();
    publisher.publish("security", note("in flight"));
    publisher.publish("security", note("queued"));
    publisher.publish("ops", note("ops message"));
    await settle();
    const changed = topicSchema.parse({ name: "security", retry: { attempts: 3, backoff: 1 } });
    const report = await publisher.update([changed, topics[1]], (t) => [
      t.name === "ops" ? other.channel : up.channel,
    ]);
    assert.deepEqual(report, { added: [], changed: ["security"], removed: [] });
    await settle();
    assert.deepEqual(up.got, ["in flight", "queued"]);
    const ops = publisher.stats().find((x) => x.topic === "ops");
    assert.equal(ops?.attempts, 1, "the unchanged topic's delivery goes on where it was");
    clock.advance(1000);
    await settle();
    assert.equal(other.calls(), 2, "and retries on its own schedule");
    await publisher.stop();
  });
});
