/**
 * examples/bans-alarm.yaml end to end with real daemon objects on a ManualClock: sshd failures from 51
 * addresses through the real sshd filter → 51 bans (dry-run) → 51 events in `mamori/bans` → the
 * example's metric filter and alarm → the CloudWatch alarm JSON at a real HTTP receiver. 50 bans do not
 * fire it.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import type { AlarmMessage } from "../../src/alarms/message.js";
import { loadConfigFile } from "../../src/config/load.js";
import { ManualClock } from "../../src/core/clock.js";
import { Daemon } from "../../src/daemon.js";
import type { JailPart } from "../../src/jails/part.js";
import { deepChecks } from "../../src/load-config.js";
import { replayConfig } from "../../src/replay/replay.js";
import { syslogDate } from "../../src/sources/journald/format.js";
import { repoRoot } from "../../src/testing/cli.js";
import { startHttpReceiver } from "../../src/testing/receivers.js";

const skip = fs.existsSync("/etc/fail2ban/filter.d/sshd.conf")
  ? false
  : "Debian's fail2ban package is not installed (scripts/install-test-deps.sh installs it)";
const T0 = new Date(2026, 10, 25, 8, 0, 0).getTime();
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe("examples/bans-alarm.yaml", { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-bans-alarm-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("more than 50 bans in 10 minutes fires the alarm, with no code beyond the config", async () => {
    const rx = await startHttpReceiver();
    const file = path.join(repoRoot, "examples", "bans-alarm.yaml");
    const loaded = loadConfigFile(file, {
      env: { MAMORI_DATA_DIR: path.join(dir, "data"), BANS_WEBHOOK_URL: `${rx.url}/alarm` },
      checks: deepChecks,
    }).config;
    // as `mamori replay` runs it: no sources (lines come from the test), dry-run bans; topics as configured
    const config = replayConfig(loaded, loaded.data_dir, false);
    config.topics = loaded.topics;
    const clock = new ManualClock(T0);
    const daemon = new Daemon({
      config,
      configPath: file,
      clock,
      log: pino({ level: "silent" }),
      jailDeps: { pollMs: 0, ownAddresses: () => [] },
    });
    await daemon.start();
    const jail = daemon.part("jail", "sshd") as JailPart;
    const attack = async (n: number) => {
      clock.advance(1000);
      const t = clock.now();
      const ip = `198.51.100.${n}`;
      await daemon.ingest({
        events: Array.from({ length: 5 }, () => ({
          group: "auth",
          stream: "web1",
          timestamp: t,
          ingestTime: t,
          message: `${syslogDate(t)} web1 sshd[42]: Failed password for root from ${ip} port 22 ssh2`,
        })),
        checkpoints: [],
      });
      await jail.manager.idle();
      await settle();
    };
    const alarmState = async () => (await daemon.store.alarms.get("ban-wave"))?.state;
    try {
      for (let n = 1; n <= 50; n++) await attack(n);
      assert.equal(jail.manager.bans().length, 50);
      assert.notEqual(await alarmState(), "ALARM", "50 bans are not more than 50");
      await attack(51);
      const events = await daemon.store.logs.query({ group: "mamori/bans" });
      assert.equal(events.length, 51);
      assert.deepEqual(Object.keys(JSON.parse(events[0].message)).sort(), [
        "action",
        "bantime",
        "failures",
        "host",
        "ip",
        "jail",
        "time",
      ]);
      const req = await rx.waitFor(1);
      const msg = JSON.parse(req.body) as AlarmMessage;
      assert.equal(req.headers["x-mamori-event"], "alarm");
      assert.deepEqual([msg.AlarmName, msg.NewStateValue], ["ban-wave", "ALARM"]);
      assert.match(msg.NewStateReason, /\[51\.0 .*was greater than the threshold \(50\.0\)/);
      assert.match(msg.Samples[0].message, /"action":"ban"/);
      assert.equal(await alarmState(), "ALARM");
      const alarmEvents = await daemon.store.logs.query({ group: "mamori/alarms" });
      assert.deepEqual(
        alarmEvents.map((e) => JSON.parse(e.message)).map((e) => [e.alarm, e.old_state, e.new_state]),
        [
          ["ban-wave", "INSUFFICIENT_DATA", "OK"],
          ["ban-wave", "OK", "ALARM"],
        ],
      );
    } finally {
      await daemon.stop();
      await rx.close();
    }
  });
});
