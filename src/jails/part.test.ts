/**
 * The jails part end to end in-process: config → real fail2ban sshd filter (Debian's filter.d) → jail →
 * ban manager → action, fed through the real pipeline and SQLite store, on a ManualClock.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import type { DryRunAction } from "../actions/dry-run/index.js";
import { createAction } from "../actions/index.js";
import type { BanAction } from "../actions/types.js";
import { configSchema } from "../config/schema.js";
import { ManualClock } from "../core/clock.js";
import type { Notification } from "../notify/types.js";
import { detectionSink } from "../pipeline/detections.js";
import { Pipeline } from "../pipeline/pipeline.js";
import { syslogDate } from "../sources/journald/format.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import type { BanNotice } from "./notice.js";
import { buildJailPart, type JailDeps, type JailPartEnv } from "./part.js";

const log = pino({ level: "silent" });
const FILTER_DIR = "/etc/fail2ban/filter.d";
const haveSshdFilter = fs.existsSync(path.join(FILTER_DIR, "sshd.conf"));
const skip = haveSshdFilter
  ? false
  : "Debian's fail2ban package is not installed (scripts/install-test-deps.sh installs it)";
const T0 = new Date(2026, 10, 25, 8, 0, 0).getTime();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-jails-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function setup(jails: Array<Record<string, unknown>>, deps: JailDeps = {}) {
  const clock = new ManualClock(T0);
  const store = openSqliteStore(":memory:");
  const config = configSchema.parse({
    filter_dirs: [FILTER_DIR],
    jails: jails.map((j) => ({ name: "sshd", filter: "sshd", group: "auth", maxretry: 3, ...j })),
  });
  const pipeline = new Pipeline({ logs: store.logs, log });
  const published: Array<{ topic: string; n: Notification }> = [];
  const env: JailPartEnv = {
    store,
    clock,
    log,
    hostname: "web1",
    configDir: tmp,
    filterDirs: [FILTER_DIR],
    pipeline,
    publisher: { publish: (topic, n) => published.push({ topic, n }) },
    detections: detectionSink({ pipeline, clock, stream: () => "web1", log }),
  };
  const actions: BanAction[] = [];
  const jailDeps: JailDeps = {
    ownAddresses: () => ["192.0.2.250"],
    pollMs: 0,
    createAction: (jail, l) => {
      const a = createAction({ jail, log: l });
      actions.push(a);
      return a;
    },
    ...deps,
  };
  const runtimes = config.jails.map((j) => buildJailPart(j, env, jailDeps));
  for (const r of runtimes) await r.start();
  let n = 0;
  /** Feeds sshd lines (one second apart) through the pipeline, then lets the ban queue finish. */
  const feed = async (messages: string[], group = "auth") => {
    const events = messages.map((m) => {
      const t = T0 + ++n * 1000;
      clock.set(t);
      return {
        group,
        stream: "web1",
        timestamp: t,
        ingestTime: t,
        message: `${syslogDate(t)} web1 sshd[42]: ${m}`,
      };
    });
    await pipeline.emitAndCommit({ events, checkpoints: [] });
    for (const r of runtimes) await r.manager.idle();
    await pipeline.flushed(); // the ban events
  };
  return {
    env,
    jailDeps,
    config,
    pipeline,
    clock,
    store,
    runtimes,
    actions,
    feed,
    published,
    stop: async () => {
      for (const r of runtimes) await r.stop();
    },
  };
}

const bannedBy = (r: { manager: { bans(): Array<{ ip: string }> } }) =>
  r.manager
    .bans()
    .map((b) => b.ip)
    .sort();

describe("jails service with the real sshd filter", { skip }, () => {
  it("a user name that looks like an address never gets that address banned", async () => {
    const s = await setup([{}]);
    await s.feed(Array(3).fill("Invalid user 1.2.3.4 from 5.6.7.8 port 4242"));
    assert.deepEqual(bannedBy(s.runtimes[0]), ["5.6.7.8"]);
    assert.deepEqual(
      (s.actions[0] as DryRunAction).records.map((r) => r.target),
      ["5.6.7.8"],
    );
    await s.stop();
  });

  it("counts only its own group; ignoreip and ignoreself are never banned", async () => {
    const s = await setup([{ ignoreip: ["10.0.0.0/8"] }]);
    await s.feed(Array(3).fill("Failed password for root from 9.9.9.9 port 22 ssh2"), "other-group");
    await s.feed(Array(3).fill("Failed password for root from 10.1.1.1 port 22 ssh2"));
    await s.feed(Array(3).fill("Failed password for root from 192.0.2.250 port 22 ssh2"));
    assert.deepEqual(bannedBy(s.runtimes[0]), []);
    assert.equal(s.runtimes[0].consumer.counters.ignored, 6);
    await s.stop();
  });

  it("bans, notifies the jail's topics with the log lines, saves counters for `jails status`", async () => {
    const s = await setup([{ notify: ["security"], bantime: "1h" }]);
    await s.feed([
      "Failed password for root from 203.0.113.9 port 22 ssh2",
      "Failed password for root from 198.51.100.1 port 22 ssh2",
    ]);
    await s.feed(Array(2).fill("Failed password for root from 203.0.113.9 port 22 ssh2"));
    assert.deepEqual(bannedBy(s.runtimes[0]), ["203.0.113.9"]);
    assert.equal(s.published.length, 1);
    const n = s.published[0].n;
    assert.equal(n.kind, "ban");
    const notice = n.json as BanNotice;
    assert.equal(notice.failures, 3);
    assert.equal(notice.bantime, 3600);
    assert.equal(notice.lines.length, 3);
    assert.match(notice.lines[0], /Failed password for root from 203\.0\.113\.9/);
    s.clock.advance(1000);
    await new Promise((r) => setImmediate(r));
    const [stats] = await s.store.bans.jailStats("sshd");
    assert.deepEqual({ cur: stats.currentlyFailed, total: stats.totalFailed }, { cur: 1, total: 4 });
    await s.stop();
  });

  it("IPv6 attackers: a /64 ban when ban_prefix_v6 is set", async () => {
    const s = await setup([{ ban_prefix_v6: 64 }]);
    await s.feed(
      ["2001:db8:7:7::1", "2001:db8:7:7::2", "2001:db8:7:7::3"].map(
        (ip) => `Failed password for root from ${ip} port 22 ssh2`,
      ),
    );
    assert.deepEqual(bannedBy(s.runtimes[0]), ["2001:db8:7:7::/64"]);
    await s.stop();
  });

  it("shell metacharacters in log lines never reach a shell through the exec action", async () => {
    const out = path.join(tmp, "exec-argv.jsonl");
    const marker = path.join(tmp, "PWNED");
    const writer =
      "require('fs').appendFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)) + '\\n')";
    const s = await setup([
      {
        action: "exec",
        exec: { ban: [process.execPath, "-e", writer, out, "{ip}", "{jail}", "{failures}"] },
      },
    ]);
    const users = [`$(touch ${marker})`, `\`touch ${marker}\``, `x; touch ${marker}`];
    await s.feed(users.map((u) => `Failed password for invalid user ${u} from 203.0.113.66 port 22 ssh2`));
    await s.feed(Array(3).fill(`Failed password for root from 203.0.113.7;touch${marker} port 22 ssh2`));
    // the filter takes the address in front of ";touch...", as fail2ban does; only that address reaches argv
    assert.deepEqual(
      fs
        .readFileSync(out, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
      [
        ["203.0.113.66", "sshd", "3"],
        ["203.0.113.7", "sshd", "3"],
      ],
    );
    assert.equal(fs.existsSync(marker), false);
    await s.stop();
  });

  it("a 1 MiB line does not stall the jail", async () => {
    const s = await setup([{}]);
    const huge = `Failed password for ${"A".repeat(1 << 20)} from 203.0.113.5 port 22 ssh2`;
    const started = performance.now();
    await s.feed([huge, huge, huge]);
    await s.feed(Array(3).fill("Failed password for root from 203.0.113.6 port 22 ssh2"));
    assert.ok(performance.now() - started < 5000, "took longer than 5 s");
    assert.ok(bannedBy(s.runtimes[0]).includes("203.0.113.6"));
    await s.stop();
  });
});

describe("jails part: counters, detections as events, reload takeover", { skip }, () => {
  const fail = (ip: string) => `Failed password for root from ${ip} port 22 ssh2`;
  const banEvents = async (s: Awaited<ReturnType<typeof setup>>) =>
    (await s.store.logs.query({ group: "mamori/bans" })).map((e) => JSON.parse(e.message));

  it("`jails status` counters are current within a second, written at most once a second", async () => {
    const s = await setup([{}]);
    let writes = 0;
    const put = s.store.bans.putJailStats.bind(s.store.bans);
    s.store.bans.putJailStats = (x) => {
      writes++;
      return put(x);
    };
    await s.feed([fail("203.0.113.1"), fail("203.0.113.2")]);
    s.clock.advance(1000);
    await new Promise((r) => setImmediate(r));
    const [stats] = await s.store.bans.jailStats("sshd");
    assert.deepEqual({ cur: stats?.currentlyFailed, total: stats?.totalFailed }, { cur: 2, total: 2 });
    const before = writes;
    // 50 failure lines committed within one second: one write, not 50
    await s.pipeline.emitAndCommit({
      events: Array.from({ length: 50 }, (_, i) => ({
        group: "auth",
        stream: "web1",
        timestamp: s.clock.now(),
        ingestTime: s.clock.now(),
        message: `${syslogDate(s.clock.now())} web1 sshd[42]: ${fail(`198.51.100.${i + 1}`)}`,
      })),
      checkpoints: [],
    });
    s.clock.advance(1000);
    await new Promise((r) => setImmediate(r));
    assert.equal(writes - before, 1);
    assert.equal((await s.store.bans.jailStats("sshd"))[0].totalFailed, 52);
    await s.stop();
  });

  it("every ban and unban is a JSON event in mamori/bans; unbans are notified only with notify_unban", async () => {
    for (const notifyUnban of [true, false]) {
      const s = await setup([{ bantime: 10, notify: ["security"], notify_unban: notifyUnban }]);
      await s.feed(Array(3).fill(fail("203.0.113.9")));
      s.clock.advance(10_000);
      await s.runtimes[0].manager.idle();
      await s.pipeline.flushed();
      const events = await banEvents(s);
      assert.deepEqual(
        events.map((e) => [e.jail, e.ip, e.action, e.failures, e.bantime, e.host, e.reason]),
        [
          ["sshd", "203.0.113.9", "ban", 3, 10, "web1", undefined],
          ["sshd", "203.0.113.9", "unban", 3, 10, "web1", "expired"],
        ],
      );
      assert.deepEqual(
        s.published.map((p) => (p.n.json as BanNotice).action),
        notifyUnban ? ["ban", "unban"] : ["ban"],
      );
      if (notifyUnban) {
        const { subject, text } = s.published[1].n.email({ topic: "security", host: "web1" });
        assert.equal(subject, 'UNBANNED: 203.0.113.9 by jail "sshd" in mamori@web1');
        assert.match(text, /lifted the ban of 203\.0\.113\.9 \(it expired\)/);
      }
      await s.stop();
    }
  });

  it("a jail reading mamori/bans bans from ban events and does not feed on its own", async () => {
    const recidive = path.join(tmp, "recidive.conf");
    fs.writeFileSync(recidive, '[Definition]\nfailregex = "ip":"<HOST>","action":"ban"\n');
    const s = await setup([{}, { name: "recidive", filter: recidive, group: "mamori/bans", maxretry: 1 }]);
    await s.feed(Array(3).fill(fail("203.0.113.9")));
    for (let i = 0; i < 5; i++) {
      for (const r of s.runtimes) await r.manager.idle();
      await s.pipeline.flushed();
    }
    assert.deepEqual(s.runtimes.map(bannedBy), [["203.0.113.9"], ["203.0.113.9"]]);
    assert.deepEqual(
      (await banEvents(s)).map((e) => `${e.jail} ${e.action}`),
      ["sshd ban", "recidive ban"],
    );
    assert.equal(s.pipeline.counters.consumerErrors, 0);
    await s.stop();
  });

  it("a jail whose config changed takes over the failures counted before, with no gap", async () => {
    const s = await setup([{ maxretry: 3, bantime: 600 }]);
    await s.feed([fail("203.0.113.7"), fail("203.0.113.7")]);
    const old = s.runtimes[0];
    const changed = configSchema.parse({
      jails: [{ name: "sshd", filter: "sshd", group: "auth", maxretry: 3, bantime: 1200 }],
    }).jails[0];
    const next = buildJailPart(changed, s.env, s.jailDeps, old);
    await next.start();
    const linesBefore = old.consumer.counters.lines;
    s.runtimes[0] = next;
    await s.feed([fail("203.0.113.7")]);
    assert.deepEqual(bannedBy(next), ["203.0.113.7"]);
    assert.equal((await banEvents(s))[0].bantime, 1200, "banned by the new config");
    assert.equal(old.consumer.counters.lines, linesBefore, "the old jail is no longer fed");
    await s.stop();
  });
});
