import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import { DryRunAction } from "../actions/dry-run/index.js";
import type { BanAction } from "../actions/types.js";
import { jailSchema } from "../config/schema.js";
import { ManualClock } from "../core/clock.js";
import { openSqliteStore, type SqliteStore } from "../store/sqlite/index.js";
import { type BanChange, BanManager } from "./ban-manager.js";
import type { BanTicket } from "./jail.js";

const log = pino({ level: "silent" });
const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const S = 1000;

const jailCfg = (over: Record<string, unknown> = {}) =>
  jailSchema.parse({ name: "sshd", filter: "sshd", group: "g", bantime: 600, ...over });

function ticket(target: string, jail = "sshd"): BanTicket {
  return {
    jail,
    target,
    ip: target,
    failures: 5,
    lines: [`Failed password for root from ${target}`],
    time: T0,
  };
}

interface Setup {
  clock: ManualClock;
  store: SqliteStore;
  action: DryRunAction;
  manager: BanManager;
  changes: BanChange[];
}

async function setup(
  over: Record<string, unknown> = {},
  opts: { clock?: ManualClock; store?: SqliteStore; pollMs?: number; checkMs?: number } = {},
): Promise<Setup> {
  const clock = opts.clock ?? new ManualClock(T0);
  const store = opts.store ?? openSqliteStore(":memory:");
  const jail = jailCfg(over);
  const action = new DryRunAction({ jail, log });
  const changes: BanChange[] = [];
  const manager = new BanManager({
    jail,
    action,
    store: store.bans,
    clock,
    log,
    onChange: (c) => changes.push(c),
    rng: () => 0.5,
    pollMs: opts.pollMs ?? 0,
    checkMs: opts.checkMs ?? 0,
  });
  await manager.start();
  return { clock, store, action, manager, changes };
}

/** Steps the clock and lets the queued work finish. */
async function step(s: Setup, ms: number): Promise<void> {
  s.clock.advance(ms);
  await s.manager.idle();
}

describe("BanManager: ban, persist, notify, expire on the clock", () => {
  it("a ticket bans through the action, persists, reports the ban", async () => {
    const s = await setup();
    s.manager.enqueue(ticket("5.6.7.8"));
    assert.equal(s.manager.isBanned("5.6.7.8"), true, "banned (pending) at once, before the action ran");
    await s.manager.idle();
    assert.deepEqual(s.action.records, [
      { op: "ban", target: "5.6.7.8", jail: "sshd", bantime: 600, failures: 5 },
    ]);
    const [rec] = await s.store.bans.active("sshd");
    assert.equal(rec.ip, "5.6.7.8");
    assert.equal(rec.end, T0 + 600 * S);
    assert.deepEqual(
      s.changes.map((c) => [c.action, c.record.ip, c.action === "ban" ? c.bantime : c.reason]),
      [["ban", "5.6.7.8", 600]],
    );
    assert.deepEqual(s.changes[0].record.lines, ["Failed password for root from 5.6.7.8"]);
  });

  it("reports each unban with its reason: expired, or lifted by hand (unbanNow, `bans del`)", async () => {
    const s = await setup({}, { pollMs: 1000 });
    for (const ip of ["1.1.1.1", "2.2.2.2", "3.3.3.3"]) s.manager.enqueue(ticket(ip));
    await s.manager.idle();
    await s.manager.unbanNow("1.1.1.1");
    await s.store.bans.remove("sshd", "2.2.2.2"); // what `mamori bans del` does
    await s.manager.unbanNow("9.9.9.9"); // not banned: nothing to report
    await step(s, 1000);
    await step(s, 600 * S);
    const unbans = s.changes.map((c) => [c.record.ip, c.action === "unban" ? c.reason : c.action]);
    assert.deepEqual(unbans, [
      ["1.1.1.1", "ban"],
      ["2.2.2.2", "ban"],
      ["3.3.3.3", "ban"],
      ["1.1.1.1", "manual"],
      ["2.2.2.2", "manual"],
      ["3.3.3.3", "expired"],
    ]);
  });

  it("a second ticket for a banned target does nothing", async () => {
    const s = await setup();
    s.manager.enqueue(ticket("5.6.7.8"));
    s.manager.enqueue(ticket("5.6.7.8"));
    await s.manager.idle();
    s.manager.enqueue(ticket("5.6.7.8"));
    await s.manager.idle();
    assert.equal(s.action.records.length, 1);
  });

  it("unbans exactly when bantime is over", async () => {
    const s = await setup({ bantime: 60 });
    s.manager.enqueue(ticket("5.6.7.8"));
    await s.manager.idle();
    await step(s, 59_999);
    assert.equal(s.manager.isBanned("5.6.7.8"), true);
    await step(s, 1);
    assert.equal(s.manager.isBanned("5.6.7.8"), false);
    assert.deepEqual(
      s.action.records.map((r) => r.op),
      ["ban", "unban"],
    );
    assert.deepEqual(await s.store.bans.active(), []);
  });

  it("bantime -1 never expires", async () => {
    const s = await setup({ bantime: -1 });
    s.manager.enqueue(ticket("5.6.7.8"));
    await s.manager.idle();
    assert.equal(s.action.records[0].bantime, -1);
    assert.equal((await s.store.bans.active())[0].end, null);
    await step(s, 10 * 365 * 86_400 * S);
    assert.equal(s.manager.isBanned("5.6.7.8"), true);
    assert.equal(s.clock.pending(), 0, "no timer armed for a forever ban");
  });

  it("bans of different lengths expire in their own order (one timer, re-armed)", async () => {
    const s = await setup({ bantime: 100 });
    s.manager.enqueue(ticket("1.1.1.1"));
    await s.manager.idle();
    await s.manager.banNow("2.2.2.2", { bantime: 10 });
    await step(s, 10 * S);
    assert.deepEqual(
      s.manager.bans().map((b) => b.ip),
      ["1.1.1.1"],
    );
    await step(s, 90 * S);
    assert.deepEqual(s.manager.bans(), []);
  });

  it("a long ban is kept across the daily timer re-check", async () => {
    const s = await setup({ bantime: "3d" });
    s.manager.enqueue(ticket("1.1.1.1"));
    await s.manager.idle();
    await step(s, 2 * 86_400 * S);
    assert.equal(s.manager.isBanned("1.1.1.1"), true);
    await step(s, 86_400 * S);
    assert.equal(s.manager.isBanned("1.1.1.1"), false);
  });
});

describe("BanManager: bantime.increment from the ban history", () => {
  it("each new ban of the same address doubles, capped by maxtime", async () => {
    const s = await setup({ bantime: 60, bantime_increment: { enabled: true, maxtime: 200 } });
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      s.manager.enqueue(ticket("5.6.7.8"));
      await s.manager.idle();
      const b = s.manager.bans()[0];
      seen.push(((b.end ?? 0) - b.start) / S);
      await step(s, 1000 * S);
    }
    assert.deepEqual(seen, [60, 120, 200, 200]);
  });

  it("overalljails counts bans from other jails; without it they do not count", async () => {
    const clock = new ManualClock(T0);
    const store = openSqliteStore(":memory:");
    await store.bans.add({
      jail: "recidive",
      ip: "5.6.7.8",
      start: T0 - 10 * S,
      end: T0 - S,
      failures: 1,
      banCount: 0,
      lines: [],
    });
    await store.bans.remove("recidive", "5.6.7.8");
    const overall = await setup(
      { name: "a", bantime: 60, bantime_increment: { enabled: true, overalljails: true } },
      { clock, store },
    );
    overall.manager.enqueue(ticket("5.6.7.8", "a"));
    await overall.manager.idle();
    const own = await setup(
      { name: "b", bantime: 60, bantime_increment: { enabled: true } },
      { clock, store },
    );
    own.manager.enqueue(ticket("5.6.7.8", "b"));
    await own.manager.idle();
    const ends = Object.fromEntries(
      (await store.bans.active()).map((b) => [b.jail, ((b.end ?? 0) - b.start) / S]),
    );
    assert.deepEqual(ends, { a: 120, b: 60 });
  });
});

describe("BanManager: restart on the same SQLite file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-bans-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("restores unexpired bans with their remaining time and lifts expired ones", async () => {
    const clock = new ManualClock(T0);
    const first = await setup({ bantime: 600 }, { clock, store: openSqliteStore(dir) });
    first.manager.enqueue(ticket("1.1.1.1"));
    await first.manager.idle();
    await first.manager.banNow("2.2.2.2", { bantime: 60 });
    await first.manager.banNow("2001:db8:1:2::/64", { bantime: -1 });
    await first.manager.stop();
    await first.store.close();

    clock.advance(120 * S); // mamori is down; 2.2.2.2's ban ends meanwhile
    const second = await setup({ bantime: 600 }, { clock, store: openSqliteStore(dir) });
    assert.deepEqual(
      second.action.records
        .map((r) => [r.op, r.target, r.bantime])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [
        ["ban", "1.1.1.1", 480],
        ["unban", "2.2.2.2", undefined],
        ["ban", "2001:db8:1:2::/64", -1],
      ],
    );
    assert.deepEqual((await second.store.bans.active()).map((b) => b.ip).sort(), [
      "1.1.1.1",
      "2001:db8:1:2::/64",
    ]);
    await step(second, 480 * S);
    assert.deepEqual(
      second.manager.bans().map((b) => b.ip),
      ["2001:db8:1:2::/64"],
    );
    assert.deepEqual(second.action.records.at(-1), { op: "unban", target: "1.1.1.1", jail: "sshd" });
    await second.manager.stop();
    await second.store.close();
  });
});

describe("BanManager: a restore applies many bans in one go when the action can", () => {
  it("uses banMany for the restore, ban for a single new ban", async () => {
    const clock = new ManualClock(T0);
    const store = openSqliteStore(":memory:");
    for (const ip of ["1.1.1.1", "2.2.2.2", "3.3.3.3"])
      await store.bans.add({
        jail: "sshd",
        ip,
        start: T0,
        end: T0 + 60 * S,
        failures: 5,
        banCount: 0,
        lines: [],
      });
    const calls: string[] = [];
    const action: BanAction = {
      name: "batch",
      start: async () => {},
      ban: async (t) => void calls.push(`ban ${t}`),
      banMany: async (items) =>
        void calls.push(`banMany ${items.map((i) => `${i.target}:${i.info.bantime}`).join(",")}`),
      unban: async () => {},
      check: async () => true,
      stop: async () => {},
    };
    clock.advance(10 * S);
    const manager = new BanManager({ jail: jailCfg(), action, store: store.bans, clock, log, pollMs: 0 });
    await manager.start();
    manager.enqueue(ticket("4.4.4.4"));
    await manager.idle();
    assert.deepEqual(calls, ["banMany 1.1.1.1:50,2.2.2.2:50,3.3.3.3:50", "ban 4.4.4.4"]);
    await manager.stop();
  });
});

describe("BanManager: the store polled for CLI changes, failed actions retried", () => {
  it("a ban added to the store is applied and expires; one removed is lifted", async () => {
    const s = await setup({}, { pollMs: 1000 });
    await s.store.bans.add({
      jail: "sshd",
      ip: "9.9.9.9",
      start: T0,
      end: T0 + 30 * S,
      failures: 0,
      banCount: 0,
      lines: [],
    });
    await s.store.bans.add({
      jail: "other",
      ip: "8.8.8.8",
      start: T0,
      end: null,
      failures: 0,
      banCount: 0,
      lines: [],
    });
    await step(s, 1000);
    assert.deepEqual(
      s.manager.bans().map((b) => b.ip),
      ["9.9.9.9"],
    );
    assert.equal(s.action.records[0].bantime, 29);
    assert.deepEqual(
      s.changes.map((c) => [c.action, c.record.ip, c.action === "ban" ? c.bantime : 0, c.reason]),
      [["ban", "9.9.9.9", 30, "manual"]],
      "a ban from `mamori bans add` is reported once, as manual",
    );
    await step(s, 29 * S);
    assert.equal(s.manager.isBanned("9.9.9.9"), false);

    await s.manager.banNow("7.7.7.7");
    await s.store.bans.remove("sshd", "7.7.7.7");
    await step(s, 1000);
    assert.equal(s.manager.isBanned("7.7.7.7"), false);
    assert.deepEqual(s.action.records.at(-1), { op: "unban", target: "7.7.7.7", jail: "sshd" });
    await s.manager.stop();
  });

  it("a ban the action failed to apply is kept, tried again at once, then with backoff", async () => {
    const clock = new ManualClock(T0);
    const store = openSqliteStore(":memory:");
    const jail = jailCfg();
    let failing = true;
    const applied: string[] = [];
    const action: BanAction = {
      name: "flaky",
      start: async () => {},
      ban: async (t) => {
        if (failing) throw new Error("nft: resource busy");
        applied.push(t);
      },
      unban: async () => {},
      check: async () => true,
      stop: async () => {},
    };
    const manager = new BanManager({ jail, action, store: store.bans, clock, log, pollMs: 1000, checkMs: 0 });
    await manager.start();
    manager.enqueue(ticket("5.6.7.8"));
    await manager.idle();
    assert.equal(manager.counters.actionErrors, 2, "the ban, and the repair right after it");
    assert.equal(
      (await store.bans.active()).length,
      1,
      "the ban is persisted even though the firewall refused",
    );
    clock.advance(2000);
    await manager.idle();
    assert.equal(manager.counters.actionErrors, 3, "retried after 2 s");
    failing = false;
    clock.advance(2000);
    await manager.idle();
    assert.deepEqual(applied, [], "the next retry waits 4 s");
    clock.advance(2000);
    await manager.idle();
    assert.deepEqual(applied, ["5.6.7.8"]);
    await manager.stop();
  });

  it("manual unban of an absent address is not an error", async () => {
    const s = await setup();
    assert.equal(await s.manager.unbanNow("1.2.3.4"), false);
  });
});
