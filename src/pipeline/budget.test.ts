/**
 * One hostile line must not freeze the daemon: a line that takes a jail filter or a metric filter past
 * its budget is stopped, skipped there and reported; other filters and jails still see it.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import pino from "pino";
import { configSchema } from "../config/schema.js";
import { ManualClock } from "../core/clock.js";
import type { StoredEvent } from "../core/event.js";
import { Daemon } from "../daemon.js";
import { F2B_FILTER_D } from "../fail2ban/filter/corpus.js";
import { loadJailFilter } from "../fail2ban/filter/index.js";
import { IgnoreList } from "../jails/ignore.js";
import { type BanTicket, Jail, JailConsumer } from "../jails/jail.js";
import { compileMetricFilters } from "../metrics/filters.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import type { IngestBatch } from "../store/store.js";
import { type OverBudget, runSteps } from "./budget.js";
import { Pipeline } from "./pipeline.js";

const NOW = Date.UTC(2024, 10, 25, 8, 0, 30);
/** fail2ban's courier-auth failregex backtracks exponentially on this line (~11 s at 24 repeats, ×4 per 2 more) */
const COURIER_BOMB = `Nov 25 08:00:01 host imapd: LOGIN FAILED, user=a${", user=a".repeat(24)},x, ip=[192.0.2.9]`;
const COURIER_FAIL = "Nov 25 08:00:02 host imapd: LOGIN FAILED, user=bob, ip=[198.51.100.4]";
const SSHD_FAIL = (n: number) =>
  `Nov 25 08:00:0${n} host sshd[1]: Failed password for root from 203.0.113.7 port 4000${n} ssh2`;

/** A pino logger whose error lines land in `reports` (the over-budget reports among them). */
function capturingLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const reports = () => lines.filter((l) => typeof l.budgetMs === "number") as unknown as OverBudget[];
  return { log: pino({ level: "error" }, stream), lines, reports };
}

const memoryLogs = () => {
  let id = 1;
  return {
    async ingest(b: IngestBatch): Promise<StoredEvent[]> {
      return b.events.map((e) => ({ ...e, id: id++ }));
    },
  };
};

/** 240 KB of a and b in a fixed pseudo-random order: `%a.{999}c%` keeps ~500 automaton states alive per
 * character and no two alike, so its state cache never hits (about a minute unguarded). */
function wideRepeatBomb(): string {
  let seed = 1;
  let s = "";
  for (let i = 0; i < 240_000; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    s += seed < 0x40000000 ? "a" : "b";
  }
  return s;
}

const ev = (group: string, message: string) => ({
  group,
  stream: "host",
  timestamp: NOW,
  ingestTime: NOW,
  message,
});

describe("line budget", () => {
  it("stops fail2ban's courier-auth filter on its exponential line, reports it, and goes on", async () => {
    const { log, reports } = capturingLog();
    const p = new Pipeline({ logs: memoryLogs(), log, lineBudgetMs: 200 });
    const filter = loadJailFilter({
      filter: "courier-auth",
      filterDirs: [F2B_FILTER_D],
      now: () => NOW,
      timezone: "UTC",
    });
    const tickets: BanTicket[] = [];
    const jail = new Jail({ name: "courier", maxretry: 1, findtime: 600 }, new IgnoreList([]), () => false);
    const consumer = new JailConsumer("mail", filter, jail, { enqueue: (t) => tickets.push(t) }, () => NOW);
    p.addConsumer(consumer);
    const t0 = performance.now();
    await p.emitAndCommit({ events: [ev("mail", COURIER_BOMB), ev("mail", COURIER_FAIL)], checkpoints: [] });
    const ms = performance.now() - t0;
    assert.ok(ms < 8_000, `the batch took ${ms.toFixed(0)} ms`);
    assert.equal(p.counters.overBudgetLines, 1);
    const [r] = reports();
    assert.deepEqual(
      { part: r.part, filter: r.filter, group: r.group, lineLength: r.lineLength, budgetMs: r.budgetMs },
      {
        part: "jail:courier",
        filter: "courier-auth",
        group: "mail",
        lineLength: COURIER_BOMB.length,
        budgetMs: 200,
      },
    );
    assert.ok(r.ms >= 150, `reported ${r.ms} ms`);
    assert.deepEqual(
      tickets.map((t) => t.target),
      ["198.51.100.4"],
      "the next line of the same batch is still counted",
    );
  });

  it("skips a %regex% filter pattern stuck on a 240 KB line for that filter only; the others still count it", async () => {
    const { log, reports } = capturingLog();
    const set = compileMetricFilters([
      {
        name: "slow",
        group: "web",
        pattern: "%a.{999}c%",
        metric: { namespace: "T", name: "slow", value: "1" },
      },
      { name: "any-a", group: "web", pattern: "a", metric: { namespace: "T", name: "a", value: "1" } },
    ] as never);
    const stored: IngestBatch[] = [];
    const p = new Pipeline({
      logs: {
        async ingest(b) {
          stored.push(b);
          return b.events.map((e, i) => ({ ...e, id: i + 1 }));
        },
      },
      log,
      lineBudgetMs: 200,
    });
    p.addExtractor(set.extract);
    const hostile = wideRepeatBomb();
    const t0 = performance.now();
    await p.emitAndCommit({
      events: [ev("web", hostile), ev("web", `a${"x".repeat(999)}c`)],
      checkpoints: [],
    });
    const ms = performance.now() - t0;
    assert.ok(ms < 8_000, `the batch took ${ms.toFixed(0)} ms`);
    assert.deepEqual(
      reports().map((r) => [r.part, r.filter, r.lineLength]),
      [["metric-filters", "slow", hostile.length]],
    );
    assert.deepEqual(
      stored[0].metricPoints.map((m) => m.name),
      ["a", "slow", "a"],
      "the hostile line still counts for the other filter; the next line for both",
    );
    assert.equal(stored[0].events.length, 2, "the line is stored");
  });

  it("never cuts an ordinary step of a long batch in half: only a step that alone takes the budget is stopped", () => {
    const steps = 400;
    let i = 0;
    const started = new Array<number>(steps).fill(0);
    let finished = 0;
    const stuck: number[] = [];
    const t0 = performance.now();
    runSteps(
      200,
      () => {
        if (i >= steps) return false;
        started[i]++;
        const until = performance.now() + (i === 300 ? 10_000 : 1); // step 300 would take 10 s
        while (performance.now() < until);
        finished++;
        i++;
        return true;
      },
      () => stuck.push(i++),
    );
    const ms = performance.now() - t0;
    assert.deepEqual(stuck, [300]);
    // 400 one-millisecond steps run under a 200 ms budget: without yielding between runs the watchdog would
    // stop some of them midway and they would start twice (step 300 may start twice: it is the slow one)
    assert.deepEqual(
      started.flatMap((n, k) => (n !== 1 && k !== 300 ? [[k, n]] : [])),
      [],
      "each ordinary step started once",
    );
    assert.equal(finished, steps - 1);
    assert.ok(ms < 5_000, `took ${ms.toFixed(0)} ms`);
  });

  it("with retries (replay), a step stopped once is run again under 4 times the budget, not skipped", () => {
    // a step that takes 1.5 budgets: what a busy machine (a stalled thread, a long GC pause) does to an
    // ordinary line; live skips it, replay runs it again
    const slowOnce = (retries: number) => {
      let i = 0;
      let runs = 0;
      const stuck: number[] = [];
      runSteps(
        40,
        () => {
          if (i >= 3) return false;
          if (i === 0) {
            runs++;
            const until = performance.now() + 60;
            while (performance.now() < until);
          }
          i++;
          return true;
        },
        () => stuck.push(i++),
        retries,
      );
      return { stuck, runs };
    };
    assert.deepEqual(slowOnce(0).stuck, [0], "live: skipped");
    const replayed = slowOnce(2);
    assert.deepEqual(replayed.stuck, [], "replay: not skipped");
    assert.equal(replayed.runs, 2, "stopped once, then finished under 160 ms");
  });

  it("with retries, a step that never ends is still skipped, after 1 + 4 + 16 budgets", () => {
    let i = 0;
    let runs = 0;
    const stuck: Array<{ step: number; ms: number }> = [];
    runSteps(
      20,
      () => {
        if (i >= 2) return false;
        if (i === 0) {
          runs++;
          for (;;);
        }
        i++;
        return true;
      },
      (ms) => stuck.push({ step: i++, ms }),
      2,
    );
    assert.equal(runs, 3);
    assert.equal(stuck.length, 1);
    assert.equal(stuck[0].step, 0);
    assert.ok(stuck[0].ms >= 20 + 80 + 320 - 5, `stopped after ${stuck[0].ms} ms in all`);
    assert.equal(i, 2, "the next step ran");
  });

  it("in the daemon, a hostile line in one jail's group does not keep another jail from banning", async () => {
    const { log, reports } = capturingLog();
    const clock = new ManualClock(NOW);
    const config = configSchema.parse({
      jails: [
        { name: "courier", filter: "courier-auth", group: "mail", maxretry: 2, action: "dry-run" },
        { name: "sshd", filter: "sshd", group: "auth", maxretry: 3, action: "dry-run" },
      ],
      filter_dirs: [F2B_FILTER_D],
    });
    const daemon = new Daemon({ config, clock, log, store: openSqliteStore(":memory:") });
    await daemon.start();
    try {
      for (let i = 0; i < 3; i++) void daemon.ingest({ events: [ev("mail", COURIER_BOMB)], checkpoints: [] });
      for (let n = 1; n <= 3; n++)
        await daemon.ingest({ events: [ev("auth", SSHD_FAIL(n))], checkpoints: [] });
      clock.advance(2_000); // the ban manager's queue and store poll run on the clock
      for (let i = 0; i < 50 && (await daemon.store.bans.active("sshd")).length === 0; i++)
        await new Promise((r) => setImmediate(r));
      assert.deepEqual(
        (await daemon.store.bans.active("sshd")).map((b) => b.ip),
        ["203.0.113.7"],
      );
      assert.equal(reports().length, 3);
      assert.deepEqual(
        reports().map((r) => [r.part, r.filter]),
        Array(3).fill(["jail:courier", "courier-auth"]),
      );
    } finally {
      await daemon.stop();
    }
  });
});
