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
import { Pipeline } from "../pipeline/pipeline.js";
import type { ServiceContext } from "../service.js";
import { syslogDate } from "../sources/journald/format.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { buildJailRuntimes, type JailDeps } from "./service.js";

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
  const ctx: ServiceContext = {
    config,
    store,
    clock,
    log,
    hostname: "web1",
    pipeline,
    publisher: { publish: (topic, n) => published.push({ topic, n }) },
  };
  const actions: BanAction[] = [];
  const runtimes = buildJailRuntimes(ctx, {
    ownAddresses: () => ["192.0.2.250"],
    pollMs: 0,
    createAction: (jail, l) => {
      const a = createAction({ jail, log: l });
      actions.push(a);
      return a;
    },
    ...deps,
  });
  for (const r of runtimes) await r.service.start();
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
  };
  return {
    clock,
    store,
    runtimes,
    actions,
    feed,
    published,
    stop: async () => {
      for (const r of runtimes) await r.service.stop();
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
    if (n.kind === "ban") {
      assert.equal(n.message.failures, 3);
      assert.equal(n.message.bantime, 3600);
      assert.equal(n.message.lines.length, 3);
      assert.match(n.message.lines[0], /Failed password for root from 203\.0\.113\.9/);
    }
    s.clock.advance(5000);
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
