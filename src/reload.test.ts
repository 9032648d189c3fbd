/**
 * Reload by diff with real daemon objects (SQLite, the sshd filter from Debian's fail2ban, dry-run bans,
 * a real HTTP receiver for notifications) on a ManualClock: what did not change keeps running with its
 * state; a failed reload leaves the old configuration running.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import pino from "pino";
import { configSchema, type MamoriConfig } from "./config/schema.js";
import { ManualClock } from "./core/clock.js";
import { Daemon } from "./daemon.js";
import type { JailPart } from "./jails/part.js";
import { testNotification } from "./notify/render.js";
import { syslogDate } from "./sources/journald/format.js";
import type { SourceFactory } from "./sources/types.js";
import { openSqliteStore } from "./store/sqlite/index.js";
import { startHttpReceiver } from "./testing/receivers.js";

const FILTER_DIR = "/etc/fail2ban/filter.d";
const skip = fs.existsSync(path.join(FILTER_DIR, "sshd.conf"))
  ? false
  : "Debian's fail2ban package is not installed (scripts/install-test-deps.sh installs it)";
const T0 = new Date(2026, 10, 25, 8, 0, 0).getTime();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-reload-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

/** A source that counts its runs and waits for abort. */
function countingSource() {
  const runs: string[] = [];
  const factory: SourceFactory<{ type: "http"; listen: string }> = {
    defaultId: (c) => `http:${c.listen}`,
    create: (c) => ({
      stats: () => ({}),
      async run(signal) {
        runs.push(c.listen);
        await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
      },
    }),
  };
  return { factory, runs };
}

const base = {
  filter_dirs: [FILTER_DIR],
  sources: [{ type: "http", listen: "127.0.0.1:1", tokens: ["t"] }],
  jails: [{ name: "sshd", filter: "sshd", group: "auth", maxretry: 3 }],
};
const unrelatedAlarm = {
  metric_filters: [
    { name: "sudo", group: "sudo", pattern: "sudo", metric: { namespace: "S", name: "Sudo" } },
  ],
  alarms: [
    {
      name: "sudo",
      metric: { namespace: "S", name: "Sudo" },
      statistic: "Sum",
      period: 60,
      evaluation_periods: 1,
      threshold: 1,
      comparison: "GreaterThanOrEqualToThreshold",
    },
  ],
};

async function start(config: Record<string, unknown>) {
  const clock = new ManualClock(T0);
  const lines: string[] = [];
  const log = pino(
    { level: "info" },
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
  );
  const store = openSqliteStore(":memory:");
  const source = countingSource();
  const daemon = new Daemon({
    config: configSchema.parse(config),
    clock,
    log,
    store,
    sourceFactories: { http: source.factory as never },
    jailDeps: { pollMs: 0, ownAddresses: () => [] },
  });
  await daemon.start();
  await settle();
  const fail = async (ip: string) => {
    clock.advance(1000);
    const t = clock.now();
    await daemon.ingest({
      events: [
        {
          group: "auth",
          stream: "web1",
          timestamp: t,
          ingestTime: t,
          message: `${syslogDate(t)} web1 sshd[42]: Failed password for root from ${ip} port 22 ssh2`,
        },
      ],
      checkpoints: [],
    });
    await (daemon.part("jail", "sshd") as JailPart).manager.idle();
  };
  const reload = (next: Record<string, unknown>) => daemon.reload(configSchema.parse(next) as MamoriConfig);
  const banned = () => (daemon.part("jail", "sshd") as JailPart).manager.bans().map((b) => b.ip);
  return { clock, daemon, store, source, fail, reload, banned, lines };
}

describe("reload by diff", { skip }, () => {
  it("maxretry 3: two failures, a reload that only adds an alarm, a third failure bans", async () => {
    const d = await start(base);
    const jail = d.daemon.part("jail", "sshd");
    await d.fail("203.0.113.9");
    await d.fail("203.0.113.9");
    await d.reload({ ...base, ...unrelatedAlarm });
    assert.equal(d.daemon.part("jail", "sshd"), jail, "the unchanged jail kept running");
    assert.deepEqual(d.source.runs, ["127.0.0.1:1"], "the unchanged source was not restarted");
    assert.ok(d.daemon.part("alarm", "sudo"), "the new alarm runs");
    await d.fail("203.0.113.9");
    assert.deepEqual(d.banned(), ["203.0.113.9"]);
    await d.daemon.stop();
  });

  it("a changed jail (bantime) takes over its failure counter; a changed source restarts", async () => {
    const d = await start(base);
    await d.fail("203.0.113.9");
    await d.fail("203.0.113.9");
    await d.reload({
      ...base,
      sources: [{ type: "http", listen: "127.0.0.1:2", tokens: ["t"] }],
      jails: [{ ...base.jails[0], bantime: "1h" }],
    });
    await settle();
    assert.deepEqual(d.source.runs, ["127.0.0.1:1", "127.0.0.1:2"]);
    await d.fail("203.0.113.9");
    assert.deepEqual(d.banned(), ["203.0.113.9"]);
    const [ban] = await d.store.bans.active("sshd");
    assert.equal(ban.end! - ban.start, 3_600_000, "banned with the new bantime");
    await d.daemon.stop();
  });

  it("a SIGHUP after editing the jail's filter file reloads that jail, with its counter", async () => {
    const filter = path.join(tmp, "edited.conf");
    fs.writeFileSync(filter, "[Definition]\nfailregex = ^.*Failed password for \\S+ from <HOST>\n");
    const cfg = { ...base, jails: [{ ...base.jails[0], filter }] };
    const d = await start(cfg);
    const before = d.daemon.part("jail", "sshd");
    await d.reload(cfg);
    assert.equal(d.daemon.part("jail", "sshd"), before, "same config, same filter: not restarted");
    await d.fail("203.0.113.9");
    await d.fail("203.0.113.9");
    fs.writeFileSync(
      filter,
      "[Definition]\nfailregex = ^.*Failed (?:password|publickey) for \\S+ from <HOST>\n",
    );
    await d.reload(cfg);
    assert.notEqual(d.daemon.part("jail", "sshd"), before, "the edited filter is loaded");
    await d.fail("203.0.113.9");
    assert.deepEqual(d.banned(), ["203.0.113.9"]);
    await d.daemon.stop();
  });

  it("alarm states and queued notifications survive a reload", async () => {
    const rx = await startHttpReceiver();
    rx.respond(500);
    const withTopic = {
      ...base,
      ...unrelatedAlarm,
      metric_filters: [
        ...unrelatedAlarm.metric_filters,
        { name: "fails", group: "auth", pattern: "Failed", metric: { namespace: "S", name: "Fails" } },
      ],
      alarms: [
        ...unrelatedAlarm.alarms,
        { ...unrelatedAlarm.alarms[0], name: "fails", metric: { namespace: "S", name: "Fails" } },
      ],
      topics: [
        { name: "ops", subscriptions: [{ type: "webhook", url: `${rx.url}/hook` }], retry: { attempts: 5 } },
      ],
    };
    const d = await start(withTopic);
    try {
      await d.fail("203.0.113.1"); // early firing: the "fails" alarm goes to ALARM at once
      await settle();
      const alarm = () => d.daemon.part("alarm", "fails")?.stats?.().state;
      assert.equal(alarm(), "ALARM");
      d.daemon.parts.notify.publisher.publish(
        "ops",
        testNotification({ text: "pending", time: "t", host: "h" }),
      );
      await rx.waitFor(1);
      await settle();
      // a reload that changes the other alarm's threshold
      await d.reload({
        ...withTopic,
        alarms: [{ ...withTopic.alarms[0], threshold: 5 }, withTopic.alarms[1]],
      });
      assert.equal(alarm(), "ALARM", "the unchanged alarm kept its state");
      assert.equal((await d.store.alarms.get("fails"))?.state, "ALARM");
      rx.respond(200);
      d.clock.advance(1000); // the retry's backoff
      const delivered = await rx.waitFor(2);
      assert.match(delivered.body, /"pending"/, "the queued notification was delivered after the reload");
      const history = await d.store.alarms.history("fails");
      assert.equal(history.filter((h) => h.type === "StateUpdate").length, 1, "no second transition");
    } finally {
      await d.daemon.stop();
      await rx.close();
    }
  });

  it("a reload whose new part fails to start keeps the old parts running and says so", async () => {
    const d = await start(base);
    await d.fail("203.0.113.9");
    await d.fail("203.0.113.9");
    const missing = path.join(tmp, "no-such-folder", "hosts.deny");
    await assert.rejects(
      d.reload({
        ...base,
        ...unrelatedAlarm,
        sources: [...base.sources, { type: "http", listen: "127.0.0.1:3", tokens: ["t"] }],
        jails: [{ ...base.jails[0], action: "hosts-deny", hosts_deny: missing }],
      }),
      /jail:sshd failed to start/,
    );
    await settle();
    const stats = d.daemon.stats() as { sources: object; jails: object; alarms: object };
    assert.deepEqual(
      Object.keys(stats.sources),
      ["http:127.0.0.1:1"],
      "the old source runs, the new one is gone",
    );
    assert.deepEqual(Object.keys(stats.alarms), [], "the new alarm was rolled back");
    assert.deepEqual(d.source.runs.sort(), ["127.0.0.1:1", "127.0.0.1:3"]);
    const failed = d.lines.map((l) => JSON.parse(l)).find((l) => l.msg.startsWith("reload failed"));
    assert.ok(failed, "the log says the reload failed");
    assert.deepEqual(failed.sources, ["http:127.0.0.1:1"], "and what actually runs");
    await d.fail("203.0.113.9");
    assert.deepEqual(d.banned(), ["203.0.113.9"], "the old jail still counts and bans");
    await d.daemon.stop();
  });
});
