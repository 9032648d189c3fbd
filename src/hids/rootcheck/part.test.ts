/**
 * The rootcheck part in the daemon: a run at start and one per `schedule` on the injected clock, each
 * finding an event in `mamori/rootcheck` (the spec's message shape) that the store and alarms see.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import { configSchema } from "../../config/schema.js";
import { ManualClock } from "../../core/clock.js";
import { Daemon } from "../../daemon.js";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { waitFor } from "../../testing/wait.js";
import { rootcheckSchema } from "./config.js";
import { buildRootcheckPart, ROOTCHECK_GROUP, type RootcheckPart } from "./part.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-rootcheck-part-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe("rootcheck part", () => {
  it("runs at start and on schedule, each finding an event in mamori/rootcheck", async () => {
    fs.mkdirSync(path.join(root, "dev"));
    fs.writeFileSync(path.join(root, "dev/.stash"), "x");
    const clock = new ManualClock(1_700_000_000_000);
    const store = openSqliteStore(":memory:");
    const config = configSchema.parse({
      hostname: "web-1",
      rootcheck: { schedule: "1h", root, checks: ["dev_files", "rootkit_files"] },
      alarms: [],
    });
    const daemon = new Daemon({ config, clock, log: pino({ level: "silent" }), store });
    await daemon.start();
    try {
      const events = () => store.logs.query({ group: ROOTCHECK_GROUP });
      const first = await waitFor("the run at start", async () => {
        const e = await events();
        return e.length === 1 ? e : undefined;
      });
      assert.equal(first[0].stream, "web-1");
      const message = JSON.parse(first[0].message);
      assert.deepEqual(Object.keys(message), ["check", "severity", "title", "detail", "path", "host"]);
      assert.deepEqual(
        [message.check, message.severity, message.path, message.host],
        ["dev_files", "high", "/dev/.stash", "web-1"],
      );

      const part = daemon.part("hids", "rootcheck") as RootcheckPart;
      await part.running;
      fs.mkdirSync(path.join(root, "etc/cron.hourly"), { recursive: true });
      fs.writeFileSync(path.join(root, "etc/cron.hourly/gcc.sh"), "#!/bin/sh\n");
      clock.advance(59 * 60_000);
      assert.equal(part.running, undefined, "no run before the schedule is due");
      clock.advance(60_000);
      const second = await waitFor("the scheduled run", async () => {
        const e = await events();
        return e.length === 3 ? e : undefined;
      });
      assert.deepEqual(
        second
          .slice(1)
          .map((e) => JSON.parse(e.message).path)
          .sort(),
        ["/dev/.stash", "/etc/cron.hourly/gcc.sh"],
      );
      assert.equal(second[2].timestamp, clock.now());
      assert.equal(part.stats?.().runs, 2);

      // run now (the fleet's "run a check now"): no clock step; over when runNow resolves
      await part.running;
      await part.runNow();
      assert.equal(part.stats?.().runs, 3);
      await waitFor("the run now's findings", async () => (await events()).length === 5);
    } finally {
      await daemon.stop();
    }
  });

  it("stop() aborts a run under way: no events after it, nothing left running", async () => {
    const emitted: object[] = [];
    const clock = new ManualClock(0);
    const store = openSqliteStore(":memory:");
    const part = buildRootcheckPart(rootcheckSchema.parse({ checks: ["hidden_ports", "dev_files"], root }), {
      store,
      clock,
      log: pino({ level: "silent" }),
      detections: { emit: (_group, record) => emitted.push(record) },
      hostname: "h",
    });
    await part.start();
    assert.ok(part.running, "the run at start is under way");
    await part.stop();
    assert.equal(part.running, undefined);
    assert.deepEqual(emitted, [], "the aborted run emitted nothing");
    assert.equal(clock.pending(), 0, "the schedule is cancelled");
    assert.equal(part.stats?.().runs, 0);
    await store.close();
  });
});
