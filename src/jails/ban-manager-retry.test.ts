/**
 * Failed unbans and failed firewall calls, stepped on a ManualClock: an unban the action fails keeps
 * the ban (pending-unban, in the store) and is retried with backoff; the firewall is checked every
 * checkMs and drift is repaired and reported.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import { ExecAction } from "../actions/exec/index.js";
import type { ActionReport, BanAction } from "../actions/types.js";
import { jailSchema } from "../config/schema.js";
import { ManualClock } from "../core/clock.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { BanManager } from "./ban-manager.js";
import type { FirewallDrift } from "./firewall-sync.js";

const log = pino({ level: "silent" });
const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const S = 1000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-unban-retry-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** ban.sh appends "ban IP"; unban.sh fails the first time it runs, then appends "unban IP". */
function scripts(dir: string): { ban: string; unban: string; log: string } {
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, "calls.log");
  const ban = path.join(dir, "ban.sh");
  const unban = path.join(dir, "unban.sh");
  fs.writeFileSync(ban, `#!/bin/sh\necho "ban $1" >> '${out}'\n`, { mode: 0o755 });
  fs.writeFileSync(
    unban,
    `#!/bin/sh\nif [ -e '${dir}/failed-once' ]; then echo "unban $1" >> '${out}'; exit 0; fi\ntouch '${dir}/failed-once'\necho "firewall busy" >&2\nexit 1\n`,
    { mode: 0o755 },
  );
  return { ban, unban, log: out };
}

const calls = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : []);

describe("BanManager: a failed unban stays pending and is retried until it succeeds", () => {
  it("exec unban fails once: recorded pending-unban, retried after 2 s, then removed", async () => {
    const sh = scripts(path.join(tmp, "once"));
    const jail = jailSchema.parse({
      name: "web",
      filter: "sshd",
      group: "g",
      action: "exec",
      bantime: 60,
      exec: { ban: [sh.ban, "{ip}"], unban: [sh.unban, "{ip}"] },
    });
    const clock = new ManualClock(T0);
    const store = openSqliteStore(":memory:");
    const action = new ExecAction({ jail, log });
    const manager = new BanManager({ jail, action, store: store.bans, clock, log, pollMs: 0, checkMs: 0 });
    await manager.start();
    await manager.banNow("192.0.2.50");
    assert.deepEqual(calls(sh.log), ["ban 192.0.2.50"]);

    clock.advance(60 * S);
    await manager.idle();
    assert.deepEqual(calls(sh.log), ["ban 192.0.2.50"], "the unban failed");
    assert.equal(manager.isBanned("192.0.2.50"), false, "the ban is over: the jail may ban again");
    assert.deepEqual(
      manager.pendingUnbans().map((b) => [b.ip, b.state]),
      [["192.0.2.50", "pending-unban"]],
    );
    assert.deepEqual(
      (await store.bans.active("web")).map((b) => [b.ip, b.state]),
      [["192.0.2.50", "pending-unban"]],
      "still in the store, so `bans list` shows it",
    );

    clock.advance(2 * S - 1);
    await manager.idle();
    assert.deepEqual(calls(sh.log), ["ban 192.0.2.50"], "not retried before 2 s");
    clock.advance(1);
    await manager.idle();
    assert.deepEqual(calls(sh.log), ["ban 192.0.2.50", "unban 192.0.2.50"]);
    assert.deepEqual(manager.pendingUnbans(), []);
    assert.deepEqual(await store.bans.active("web"), []);
    assert.equal(manager.counters.unbans, 1);
    await manager.stop();
    await store.close();
  });

  it("a pending unban in the store (a restart, or `bans del` that failed) is retried on start", async () => {
    const sh = scripts(path.join(tmp, "restart"));
    fs.writeFileSync(path.join(tmp, "restart", "failed-once"), "");
    const jail = jailSchema.parse({
      name: "web",
      filter: "sshd",
      group: "g",
      action: "exec",
      exec: { ban: [sh.ban, "{ip}"], unban: [sh.unban, "{ip}"] },
    });
    const clock = new ManualClock(T0);
    const store = openSqliteStore(":memory:");
    await store.bans.markUnbanPending({
      jail: "web",
      ip: "198.51.100.3",
      start: T0 - 600 * S,
      end: T0 - 1,
      failures: 5,
      banCount: 0,
      lines: [],
    });
    const manager = new BanManager({
      jail,
      action: new ExecAction({ jail, log }),
      store: store.bans,
      clock,
      log,
      pollMs: 0,
      checkMs: 0,
    });
    await manager.start();
    clock.advance(0);
    await manager.idle();
    assert.deepEqual(calls(sh.log), ["unban 198.51.100.3"]);
    assert.deepEqual(await store.bans.active("web"), []);
    await manager.stop();
    await store.close();
  });

  it("retries back off: 2 s, 4 s, 8 s … and a new ban of the address takes it back", async () => {
    let unbanCalls = 0;
    const action: BanAction = {
      name: "stuck",
      start: async () => {},
      ban: async () => {},
      unban: async () => {
        unbanCalls++;
        throw new Error("firewall busy");
      },
      check: async () => true,
      stop: async () => {},
    };
    const jail = jailSchema.parse({ name: "web", filter: "sshd", group: "g", bantime: 10 });
    const clock = new ManualClock(T0);
    const store = openSqliteStore(":memory:");
    const manager = new BanManager({ jail, action, store: store.bans, clock, log, pollMs: 0, checkMs: 0 });
    await manager.start();
    await manager.banNow("203.0.113.4");
    const seen: number[] = [];
    for (let t = 0; t <= 24; t++) {
      clock.set(T0 + (10 + t) * S);
      await manager.idle();
      seen.push(unbanCalls);
    }
    // attempts at 10 s (the expiry), then 12, 16, 24 s
    assert.deepEqual(
      [seen[0], seen[1], seen[2], seen[5], seen[6], seen[13], seen[14], seen[24]],
      [1, 1, 2, 2, 3, 3, 4, 4],
    );
    await manager.banNow("203.0.113.4", { bantime: 600 });
    assert.deepEqual(manager.pendingUnbans(), []);
    assert.deepEqual(
      (await store.bans.active("web")).map((b) => [b.ip, b.state ?? "active"]),
      [["203.0.113.4", "active"]],
    );
    clock.advance(60 * S);
    await manager.idle();
    assert.equal(unbanCalls, 4, "no retry for a ban that is active again");
    await manager.stop();
  });
});

/** A firewall in memory that can be "flushed" behind the manager's back. */
function memoryFirewall() {
  const fw = { present: true, held: new Set<string>(), starts: 0 };
  const action: BanAction = {
    name: "memory",
    start: async () => {
      fw.present = true;
      fw.starts++;
    },
    ban: async (t) => {
      if (!fw.present) throw new Error("No such file or directory");
      fw.held.add(t);
    },
    unban: async (t) => {
      if (!fw.present) throw new Error("No such file or directory");
      fw.held.delete(t);
    },
    check: async (): Promise<ActionReport> =>
      fw.present ? { ok: true, banned: [...fw.held] } : { ok: false, detail: "table gone" },
    stop: async () => {},
  };
  const flush = () => {
    fw.present = false;
    fw.held.clear();
  };
  return { fw, action, flush };
}

describe("BanManager: the firewall is compared with the store and repaired", () => {
  it("every 30 s by default: a flushed firewall is recreated and every ban re-applied; drift reported", async () => {
    const { fw, action, flush } = memoryFirewall();
    const jail = jailSchema.parse({ name: "sshd", filter: "sshd", group: "g", bantime: 3600 });
    const clock = new ManualClock(T0);
    const store = openSqliteStore(":memory:");
    const drifts: FirewallDrift[] = [];
    const manager = new BanManager({
      jail,
      action,
      store: store.bans,
      clock,
      log,
      pollMs: 0,
      onDrift: (d) => drifts.push(d),
    });
    await manager.start();
    await manager.banNow("192.0.2.1");
    await manager.banNow("192.0.2.2");
    flush();
    clock.advance(30 * S - 1);
    await manager.idle();
    assert.deepEqual([...fw.held], [], "not checked before 30 s");
    clock.advance(1);
    await manager.idle();
    assert.deepEqual([...fw.held].sort(), ["192.0.2.1", "192.0.2.2"]);
    assert.deepEqual(
      drifts.map((d) => [d.kind, d.targets.sort(), d.jail, d.time]),
      [["missing-state", ["192.0.2.1", "192.0.2.2"], "sshd", T0 + 30 * S]],
    );
    fw.held.delete("192.0.2.2");
    fw.held.add("203.0.113.99");
    clock.advance(30 * S);
    await manager.idle();
    assert.deepEqual([...fw.held].sort(), ["192.0.2.1", "192.0.2.2", "203.0.113.99"], "unknown left alone");
    assert.deepEqual(
      drifts.slice(1).map((d) => [d.kind, d.targets]),
      [
        ["missing-bans", ["192.0.2.2"]],
        ["unknown-bans", ["203.0.113.99"]],
      ],
    );
    clock.advance(30 * S);
    await manager.idle();
    assert.equal(drifts.length, 3, "a steady state is not reported again");
    await manager.stop();
  });

  it("a ban that fails after a flush repairs the firewall at once and applies", async () => {
    const { fw, action, flush } = memoryFirewall();
    const jail = jailSchema.parse({ name: "sshd", filter: "sshd", group: "g", bantime: 3600 });
    const clock = new ManualClock(T0);
    const store = openSqliteStore(":memory:");
    const manager = new BanManager({ jail, action, store: store.bans, clock, log, pollMs: 0, checkMs: 0 });
    await manager.start();
    await manager.banNow("192.0.2.1");
    flush();
    await manager.banNow("192.0.2.3");
    assert.equal(fw.starts, 2, "start() ran again");
    assert.deepEqual([...fw.held].sort(), ["192.0.2.1", "192.0.2.3"]);
    assert.equal(manager.counters.repairs, 1);
    await manager.stop();
  });
});
