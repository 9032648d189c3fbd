import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import pino from "pino";
import { builtinDefaultConfig, describeDefault } from "./config/defaults.js";
import { configSchema } from "./config/schema.js";
import { ManualClock } from "./core/clock.js";
import { Daemon } from "./daemon.js";
import type { SourceFactory } from "./sources/types.js";
import { openSqliteStore } from "./store/sqlite/index.js";
import { waitFor } from "./testing/wait.js";

const silent = pino({ level: "silent" });
const tick = () => new Promise((r) => setImmediate(r));

/** A source that fails `failures` times, then emits one event per run and waits for abort. */
function flakySource(failures: number, message?: (run: number) => string) {
  const runs: number[] = [];
  const factory: SourceFactory<{ type: "http" }> = {
    defaultId: () => "flaky",
    create: (_config, ctx) => ({
      stats: () => ({ runs: runs.length }),
      async run(signal) {
        runs.push(ctx.clock.now());
        if (runs.length <= failures) throw new Error(message?.(runs.length) ?? `failure ${runs.length}`);
        await ctx.emit({
          events: [
            {
              group: "g",
              stream: "s",
              timestamp: ctx.clock.now(),
              ingestTime: ctx.clock.now(),
              message: `run ${runs.length}`,
            },
          ],
          checkpoints: [{ source: ctx.id, key: "k", value: String(runs.length) }],
        });
        await new Promise<void>((resolve) =>
          signal.addEventListener("abort", () => resolve(), { once: true }),
        );
      },
    }),
  };
  return { factory, runs };
}

describe("Daemon", () => {
  it("restarts a failing source with exponential backoff on the clock, and drains on stop", async () => {
    const clock = new ManualClock(1_000_000);
    const store = openSqliteStore(":memory:");
    const config = configSchema.parse({ sources: [{ type: "http", listen: "127.0.0.1:1", tokens: ["t"] }] });
    const { factory, runs } = flakySource(2);
    const daemon = new Daemon({
      config,
      clock,
      log: silent,
      store,
      sourceFactories: { http: factory as never },
    });
    await daemon.start();
    await tick();
    assert.deepEqual(runs, [1_000_000]);
    clock.advance(999);
    await tick();
    assert.equal(runs.length, 1, "no restart before the 1 s backoff");
    clock.advance(1);
    await tick();
    assert.equal(runs.length, 2);
    clock.advance(2000); // backoff doubled
    await tick();
    await tick();
    assert.deepEqual(runs, [1_000_000, 1_001_000, 1_003_000]);
    const stats = daemon.stats() as { sources: Record<string, { restarts: number }> };
    assert.equal(stats.sources.flaky.restarts, 2);
    await daemon.stop();
    assert.equal(store.db.open, false, "stop closes the store");
  });

  it("logs a failure that repeats once, the repeats at debug, a different failure again, and the recovery", async () => {
    const clock = new ManualClock(0);
    const records: Array<{ level: number; msg: string; err?: string }> = [];
    const log = pino({ level: "info" }, { write: (line: string) => void records.push(JSON.parse(line)) });
    const config = configSchema.parse({ sources: [{ type: "http", listen: "127.0.0.1:1", tokens: ["t"] }] });
    // runs 1-6: "no journal", 7: "permission denied", 8: "no journal" again, 9: reads
    const { factory, runs } = flakySource(8, (n) => (n === 7 ? "permission denied" : "no journal"));
    const daemon = new Daemon({
      config,
      clock,
      log,
      store: openSqliteStore(":memory:"),
      sourceFactories: { http: factory as never },
    });
    await daemon.start();
    for (let i = 0; i < 200 && runs.length < 9; i++) {
      await tick();
      clock.advance(1000);
    }
    await tick();
    assert.equal(runs.length, 9);
    const said = records
      .filter((r) => r.level >= 30 && r.msg !== "mamori is running")
      .map((r) => [r.level, r.err ?? r.msg]);
    assert.deepEqual(said, [
      [50, "no journal"],
      [50, "permission denied"],
      [50, "no journal"],
      [30, "source recovered: it reads again"],
    ]);
    await daemon.stop();
  });

  it("commits what a source emitted before stop returns", async () => {
    const clock = new ManualClock(5000);
    const store = openSqliteStore(":memory:");
    const config = configSchema.parse({ sources: [{ type: "http", listen: "127.0.0.1:1", tokens: ["t"] }] });
    const { factory } = flakySource(0);
    const daemon = new Daemon({
      config,
      clock,
      log: silent,
      store: { ...store, close: async () => {} } as never,
      sourceFactories: { http: factory as never },
    });
    await daemon.start();
    await tick();
    await daemon.stop();
    const events = await store.logs.query({ group: "g" });
    assert.deepEqual(
      events.map((e) => e.message),
      ["run 1"],
    );
    assert.equal(await store.logs.getCheckpoint("flaky", "k"), "1");
    await store.close();
  });
});

describe("the built-in default on a host with nothing to watch", () => {
  it("warns once what it looked for, stays quiet while it keeps looking, and says at INFO when a log appears", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mamori-default-"));
    const authLogs = [path.join(dir, "auth.log"), path.join(dir, "secure")];
    const records: Array<{ level: number; msg: string }> = [];
    const log = pino({ level: "info" }, { write: (line: string) => void records.push(JSON.parse(line)) });
    const config = builtinDefaultConfig({ exists: existsSync, hasJournal: () => false, authLogs });
    const clock = new ManualClock(1_000_000);
    const daemon = new Daemon({ config, clock, log, store: openSqliteStore(":memory:") });
    for (const n of describeDefault(config)) log[n.level](n.message);
    await daemon.start();
    const sourceStats = () =>
      Object.values((daemon.stats() as { sources: Record<string, Record<string, number>> }).sources)[0];
    const poll = async () => {
      await waitFor("the file source to wait", () => sourceStats()?.waiting === 1);
      const before = sourceStats().polls;
      clock.advance(1000);
      await waitFor("one poll", () => sourceStats().waiting === 1 && sourceStats().polls > before);
    };
    const warnings = records.filter((r) => r.level === 40);
    assert.equal(warnings.length, 1, "one warning");
    assert.match(
      warnings[0].msg,
      /nothing to watch yet: there is no .*auth\.log, no .*secure and no systemd journal/,
    );
    assert.match(warnings[0].msg, /keeps looking/);
    const before = records.length;
    for (let i = 0; i < 120; i++) await poll(); // two minutes of polls (the old default: 7 errors by now)
    assert.deepEqual(records.slice(before), [], "nothing is logged while it waits");
    writeFileSync(authLogs[1], "Dec  2 10:00:00 host sshd[1]: Invalid user admin from 203.0.113.7 port 22\n");
    await poll();
    await waitFor(
      "the line stored",
      async () => (await daemon.store.logs.query({ group: "auth" })).length === 1,
    );
    const after = records.slice(before);
    assert.deepEqual(
      after.map((r) => [r.level, r.msg]),
      [[30, `${authLogs[1]} appeared: reading it`]],
    );
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  });
});
