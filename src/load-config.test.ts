/** What each command loads: serve compiles each jail filter once and the daemon's jails take those. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import pino from "pino";
import { ManualClock } from "./core/clock.js";
import { Daemon } from "./daemon.js";
import type { JailPart } from "./jails/part.js";
import { loadForServe } from "./load-config.js";
import { openSqliteStore } from "./store/sqlite/index.js";

const log = pino({ level: "silent" });

describe("serve: each jail filter is compiled once", () => {
  it("at load; the jails are built with those filters, not by reading the filter files again", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-serve-load-"));
    try {
      fs.writeFileSync(path.join(dir, "app.conf"), "[Definition]\nfailregex = ^login failed from <HOST>$\n");
      const file = path.join(dir, "mamori.yaml");
      fs.writeFileSync(file, "jails:\n  - { name: app, filter: ./app.conf, group: app, maxretry: 2 }\n");
      const clock = new ManualClock(Date.UTC(2026, 10, 25, 8, 0, 0));
      const loaded = loadForServe(file, { now: () => clock.now() });
      assert.deepEqual([...loaded.jailFilters.keys()], ["app"]);
      // a second compile would have to read the file: it is gone now
      fs.rmSync(path.join(dir, "app.conf"));
      const daemon = new Daemon({
        config: loaded.config,
        configPath: loaded.path,
        jailFilters: loaded.jailFilters,
        store: openSqliteStore(":memory:"),
        clock,
        log,
      });
      await daemon.start();
      try {
        const jail = daemon.part("jail", "app") as JailPart | undefined;
        assert.ok(jail, "the jail runs");
        assert.equal(jail.filter, loaded.jailFilters.get("app"));
      } finally {
        await daemon.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
