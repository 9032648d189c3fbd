import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import { configSchema } from "../../config/schema.js";
import { ManualClock } from "../../core/clock.js";
import { Daemon } from "../../daemon.js";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { waitFor } from "../../testing/wait.js";
import { FIM_GROUP, type FimEvent } from "./events.js";
import type { FimPart } from "./part.js";
import { tempDir } from "./testing/harness.js";
import { expectedChanges, makeTree, mutateTree, summary } from "./testing/tree.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function fimEvents(store: ReturnType<typeof openSqliteStore>): Promise<FimEvent[]> {
  const events = await store.logs.query({ group: FIM_GROUP, orderById: true, limit: 10_000 });
  return events.map((e) => JSON.parse(e.message) as FimEvent);
}

describe("FIM in the daemon", () => {
  it("scans on start, on the schedule (injected clock), and reports a realtime write within a second", async () => {
    const dir = tempDir("daemon");
    dirs.push(dir);
    const etc = path.join(dir, "etc");
    const logs = path.join(dir, "logs");
    fs.mkdirSync(path.join(etc, "ssh"), { recursive: true });
    fs.mkdirSync(logs);
    fs.writeFileSync(path.join(etc, "ssh/sshd_config"), "Port 22\n");
    fs.writeFileSync(path.join(logs, "scheduled.txt"), "1\n");
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = openSqliteStore(path.join(dir, "data"));
    const config = configSchema.parse({
      data_dir: path.join(dir, "data"),
      hostname: "web-1",
      fim: {
        schedule: "1h",
        paths: [{ path: etc, realtime: true, report_changes: true }, { path: logs }],
      },
    });
    const daemon = new Daemon({ config, clock, log: pino({ level: "silent" }), store });
    await daemon.start();
    try {
      const part = daemon.part("hids", "fim") as FimPart;
      await part.idle();
      assert.deepEqual(
        (await fimEvents(store)).map((e) => [e.change, e.path, e.host]),
        [
          ["baseline", etc, "web-1"],
          ["baseline", logs, "web-1"],
        ],
      );

      // realtime: the test waits on the event (at most 1 s), it does not sleep
      const written = performance.now();
      fs.writeFileSync(path.join(etc, "ssh/sshd_config"), "Port 2222\n");
      const event = await waitFor(
        "the realtime event",
        async () => (await fimEvents(store)).find((e) => e.change === "modified"),
        1000,
        10,
      );
      assert.ok(performance.now() - written < 1000);
      assert.equal(event.path, path.join(etc, "ssh/sshd_config"));
      assert.match(event.diff ?? "", /-Port 22\n\+Port 2222/);

      // a new folder under a realtime path is watched too
      fs.mkdirSync(path.join(etc, "new.d"));
      await waitFor("the new folder", async () =>
        (await fimEvents(store)).some((e) => e.change === "added" && e.path === path.join(etc, "new.d")),
      );
      fs.writeFileSync(path.join(etc, "new.d/x.conf"), "x\n");
      await waitFor("a file in the new folder", async () =>
        (await fimEvents(store)).some((e) => e.path === path.join(etc, "new.d/x.conf")),
      );

      // not realtime: seen at the next scheduled scan, on the clock
      fs.writeFileSync(path.join(logs, "scheduled.txt"), "2\n");
      assert.equal((await fimEvents(store)).filter((e) => e.path.startsWith(logs)).length, 1);
      clock.advance(3600_000);
      await part.idle();
      const all = await fimEvents(store);
      assert.deepEqual(
        all.filter((e) => e.path.startsWith(logs)).map((e) => [e.change, e.path]),
        [
          ["baseline", logs],
          ["modified", path.join(logs, "scheduled.txt")],
        ],
      );
      assert.equal(all.filter((e) => e.change === "modified").length, 2, "each change once");
      const stats = daemon.stats() as { hids: { fim: { changes: number } } };
      assert.equal(stats.hids.fim.changes, 4);
    } finally {
      await daemon.stop();
    }
  });

  it("the change table lands in the daemon's mamori/fim group exactly as expected, once", async () => {
    const dir = tempDir("daemon-table");
    dirs.push(dir);
    const root = path.join(dir, "tree");
    makeTree(root);
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = openSqliteStore(path.join(dir, "data"));
    const config = configSchema.parse({
      data_dir: path.join(dir, "data"),
      fim: { schedule: "10m", paths: [{ path: root }] },
    });
    const daemon = new Daemon({ config, clock, log: pino({ level: "silent" }), store });
    await daemon.start();
    try {
      const part = daemon.part("hids", "fim") as FimPart;
      await part.idle();
      mutateTree(root);
      clock.advance(600_000);
      await part.idle();
      clock.advance(600_000);
      await part.idle();
      const events = (await fimEvents(store)).filter((e) => e.change !== "baseline");
      assert.deepEqual(summary(events), expectedChanges(root));
    } finally {
      await daemon.stop();
    }
  });
});
