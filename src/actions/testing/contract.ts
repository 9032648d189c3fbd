/**
 * The contract every firewall action keeps, as one suite: a new action gets its tests with one line,
 * `actionContract("name", () => subject)`. What it checks: start twice is harmless; banning twice holds
 * the target once; unbanning an absent address is not an error; check() lists what is banned (where
 * the action can list); stop() keeps the state unless removeOnStop; and after an external flush of the
 * action's firewall state (a firewall reload), check() notices and start() + ban() bring it back.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ActionReport, BanAction, BanInfo } from "../types.js";

export interface ActionSubject {
  /** A new action for `jail` on the same firewall state (a second call is a restart). */
  create(jail: string, opts?: { removeOnStop?: boolean }): BanAction;
  /** What the firewall holds for the jail, read from outside the action; absent when nothing outside holds it (dry-run). */
  held?(jail: string): Promise<string[]>;
  /** Removes the action's firewall state behind its back, as a firewall reload does; absent: no such state. */
  flush?(): Promise<void>;
  /** Whether check() lists the banned targets (exec's check only says ok or not). Default true. */
  checkLists?: boolean;
  /** Whether removeOnStop removes the state (exec has no command for it; dry-run holds none). Default true. */
  removesOnStop?: boolean;
  cleanup?(): void | Promise<void>;
}

const info = (bantime = 600): BanInfo => ({ jail: "contract", bantime, failures: 3 });

async function report(a: BanAction): Promise<ActionReport> {
  const r = await a.check();
  return typeof r === "boolean" ? { ok: r } : r;
}

/** Runs the contract for one action; `make` builds the subject once (e.g. a network namespace). */
export function actionContract(
  name: string,
  make: () => ActionSubject | Promise<ActionSubject>,
  opts: { skip?: string | false } = {},
): void {
  describe(`action contract: ${name}`, { skip: opts.skip }, () => {
    let s: ActionSubject;
    before(async () => {
      s = await make();
    });
    after(async () => {
      await s?.cleanup?.();
    });
    const holds = async (jail: string, a: BanAction): Promise<string[]> => {
      if (s.held) return (await s.held(jail)).sort();
      return ((await report(a)).banned ?? []).slice().sort();
    };

    it("start twice is harmless; check is ok after start", async () => {
      const a = s.create("c-start", { removeOnStop: true });
      await a.start();
      await a.start();
      assert.equal((await report(a)).ok, true);
      await a.stop();
    });

    it("ban twice holds the target once; IPv4, IPv6 and prefixes", async () => {
      const a = s.create("c-ban", { removeOnStop: true });
      await a.start();
      for (const t of ["192.0.2.10", "192.0.2.10", "2001:db8:c::1", "2001:db8:d::/64"])
        await a.ban(t, info());
      if (s.held)
        assert.deepEqual(await holds("c-ban", a), ["192.0.2.10", "2001:db8:c::1", "2001:db8:d::/64"]);
      await a.stop();
    });

    it("unban of an absent address is not an error; unban twice neither", async () => {
      const a = s.create("c-unban", { removeOnStop: true });
      await a.start();
      await a.unban("198.51.100.200", { jail: "c-unban" });
      await a.ban("198.51.100.201", info());
      await a.unban("198.51.100.201", { jail: "c-unban" });
      await a.unban("198.51.100.201", { jail: "c-unban" });
      if (s.held) assert.deepEqual(await holds("c-unban", a), []);
      await a.stop();
    });

    it("check lists the bans", async () => {
      const a = s.create("c-check", { removeOnStop: true });
      await a.start();
      await a.ban("203.0.113.30", info());
      await a.ban("2001:db8:e::/64", info());
      const r = await report(a);
      assert.equal(r.ok, true, r.detail);
      if (s.checkLists !== false)
        assert.deepEqual(r.banned?.slice().sort(), ["2001:db8:e::/64", "203.0.113.30"]);
      await a.stop();
    });

    it("stop keeps the state (a restart finds the bans); removeOnStop removes it", async () => {
      const first = s.create("c-stop");
      await first.start();
      await first.ban("203.0.113.40", info());
      await first.stop();
      if (s.held) assert.deepEqual(await holds("c-stop", first), ["203.0.113.40"]);
      const again = s.create("c-stop", { removeOnStop: true });
      await again.start();
      if (s.held) assert.deepEqual(await holds("c-stop", again), ["203.0.113.40"], "kept across a restart");
      await again.stop();
      if (s.held && s.removesOnStop !== false)
        assert.deepEqual(await holds("c-stop", again), [], "removed on stop when asked");
    });

    it("after an external flush, check notices and start + ban restore the bans", async (t) => {
      if (!s.flush) {
        t.diagnostic(`${name} keeps no firewall state to flush`);
        return;
      }
      const a = s.create("c-flush", { removeOnStop: true });
      await a.start();
      await a.ban("192.0.2.50", info());
      await s.flush();
      const r = await report(a);
      const lost = !r.ok || !(r.banned ?? []).includes("192.0.2.50");
      assert.ok(lost, `check() did not notice the flush: ${JSON.stringify(r)}`);
      await a.start();
      await a.ban("192.0.2.50", info());
      const back = await report(a);
      assert.equal(back.ok, true, back.detail);
      if (s.held) assert.deepEqual(await holds("c-flush", a), ["192.0.2.50"]);
      await a.stop();
    });
  });
}
