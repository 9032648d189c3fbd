/**
 * The ban manager on the real firewalls, inside network namespaces the tests create and delete: a
 * firewall reload (`nft flush ruleset`, `iptables -F` + `ipset destroy`, `iptables -F`) is repaired by
 * the periodic check, a ban after the reload applies, and nftables' overlapping elements are merged.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { IpsetAction } from "../actions/ipset/index.js";
import { IptablesAction } from "../actions/iptables/index.js";
import { NftablesAction, nftSetElements } from "../actions/nftables/index.js";
import { createNetns, type Netns, netnsUnavailable } from "../actions/testing/netns.js";
import type { BanAction } from "../actions/types.js";
import { type JailConfig, jailSchema } from "../config/schema.js";
import { ManualClock } from "../core/clock.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { BanManager } from "./ban-manager.js";
import type { FirewallDrift } from "./firewall-sync.js";

const log = pino({ level: "silent" });
const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const CHECK_MS = 30_000;

const jailOf = (name: string): JailConfig =>
  jailSchema.parse({ name, filter: "sshd", group: "g", port: "ssh", bantime: 3600 });

async function managerFor(action: BanAction, jail: JailConfig) {
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
    checkMs: CHECK_MS,
    onDrift: (d) => drifts.push(d),
  });
  await manager.start();
  const check = async () => {
    clock.advance(CHECK_MS);
    await manager.idle();
  };
  return { clock, store, manager, drifts, check };
}

async function nftElements(ns: Netns, set: string): Promise<string[]> {
  const r = await ns.exec(["nft", "-j", "list", "set", "inet", "mamori", set]);
  return r.code === 0 ? nftSetElements(r.stdout).sort() : [];
}

describe("BanManager + nftables: a flushed ruleset is rebuilt", { skip: netnsUnavailable(["nft"]) }, () => {
  let ns: Netns;
  before(() => {
    ns = createNetns();
  });
  after(() => ns?.destroy());

  it("nft flush ruleset: the next check recreates table, chain and sets with every ban", async () => {
    const jail = jailOf("sshd");
    const m = await managerFor(new NftablesAction({ jail, log, netns: ns.name }), jail);
    await m.manager.banNow("192.0.2.7");
    await m.manager.banNow("2001:db8:7::/64");
    await ns.must(["nft", "flush", "ruleset"]);
    assert.notEqual((await ns.exec(["nft", "list", "table", "inet", "mamori"])).code, 0);

    await m.check();
    assert.deepEqual(await nftElements(ns, "sshd-v4"), ["192.0.2.7"]);
    assert.deepEqual(await nftElements(ns, "sshd-v6"), ["2001:db8:7::/64"]);
    assert.match(
      await ns.must(["nft", "list", "chain", "inet", "mamori", "jail-sshd"]),
      /ip saddr @sshd-v4 tcp dport 22 counter/,
    );
    assert.deepEqual(
      m.drifts.map((d) => [d.kind, d.targets.sort()]),
      [["missing-state", ["192.0.2.7", "2001:db8:7::/64"]]],
    );

    await ns.must(["nft", "flush", "ruleset"]);
    await m.manager.banNow("198.51.100.9");
    assert.deepEqual(
      await nftElements(ns, "sshd-v4"),
      ["192.0.2.7", "198.51.100.9"],
      "a ban after the flush applies at once, and brings the others back",
    );

    await ns.must(["nft", "delete", "element", "inet", "mamori", "sshd-v4", "{ 192.0.2.7 }"]);
    await m.check();
    assert.deepEqual(await nftElements(ns, "sshd-v4"), ["192.0.2.7", "198.51.100.9"]);
    assert.deepEqual(m.drifts.at(-1)?.kind, "missing-bans");
    await m.manager.stop();
  });

  it("overlaps: a prefix replaces the addresses it covers; an address inside a banned prefix adds nothing", async () => {
    const jail = jailOf("web");
    const m = await managerFor(new NftablesAction({ jail, log, netns: ns.name }), jail);
    await m.manager.banNow("203.0.113.9");
    await m.manager.banNow("203.0.113.0/24");
    assert.deepEqual(await nftElements(ns, "web-v4"), ["203.0.113.0/24"]);
    await m.manager.banNow("203.0.113.77");
    assert.deepEqual(await nftElements(ns, "web-v4"), ["203.0.113.0/24"]);
    await m.manager.banNow("2001:db8:1::5");
    await m.manager.banNow("2001:db8:1::/64");
    assert.deepEqual(await nftElements(ns, "web-v6"), ["2001:db8:1::/64"]);
    assert.equal(m.manager.counters.actionErrors, 0, "no 'interval overlaps' failure");
    assert.deepEqual(
      m.manager
        .bans()
        .map((b) => b.ip)
        .sort(),
      ["2001:db8:1::/64", "2001:db8:1::5", "203.0.113.0/24", "203.0.113.77", "203.0.113.9"],
      "every ban is recorded",
    );

    await m.check();
    assert.deepEqual(m.drifts, [], "covered bans are not drift");

    await m.manager.unbanNow("2001:db8:1::5");
    assert.deepEqual(await nftElements(ns, "web-v6"), ["2001:db8:1::/64"], "the prefix stays");
    await m.manager.unbanNow("203.0.113.0/24");
    assert.deepEqual(
      await nftElements(ns, "web-v4"),
      ["203.0.113.77", "203.0.113.9"],
      "lifting the prefix puts back the bans it held",
    );
    assert.equal(m.manager.counters.actionErrors, 0);
    await m.manager.stop();
  });
});

describe("BanManager + ipset: iptables -F and ipset destroy are repaired", {
  skip: netnsUnavailable(["ipset", "iptables", "ip6tables"]),
}, () => {
  let ns: Netns;
  before(() => {
    ns = createNetns();
  });
  after(() => ns?.destroy());

  it("the check recreates sets and rules and re-applies the bans", async () => {
    const jail = jailOf("sshd");
    const m = await managerFor(new IpsetAction({ jail, log, netns: ns.name }), jail);
    await m.manager.banNow("192.0.2.8");
    await m.manager.banNow("2001:db8:8::/64");
    for (const bin of ["iptables", "ip6tables"]) await ns.must([bin, "-w", "-F"]);
    await ns.must(["ipset", "destroy"]);
    await m.check();
    assert.match(await ns.must(["ipset", "save", "mamori-sshd"]), /^add mamori-sshd 192\.0\.2\.8 timeout/m);
    assert.match(await ns.must(["ipset", "save", "mamori6-sshd"]), /^add mamori6-sshd 2001:db8:8::\/64/m);
    assert.match(await ns.must(["iptables", "-w", "-S", "INPUT"]), /--match-set mamori-sshd src/);
    assert.match(await ns.must(["ip6tables", "-w", "-S", "INPUT"]), /--match-set mamori6-sshd src/);
    assert.equal(m.drifts[0]?.kind, "missing-state");
    await m.manager.stop();
  });
});

describe("BanManager + iptables: iptables -F is repaired", {
  skip: netnsUnavailable(["iptables", "ip6tables"]),
}, () => {
  let ns: Netns;
  before(() => {
    ns = createNetns();
  });
  after(() => ns?.destroy());

  it("the check puts back the jump and the address rules", async () => {
    const jail = jailOf("sshd");
    const m = await managerFor(new IptablesAction({ jail, log, netns: ns.name }), jail);
    await m.manager.banNow("192.0.2.9");
    for (const bin of ["iptables", "ip6tables"]) await ns.must([bin, "-w", "-F"]);
    await m.check();
    assert.match(await ns.must(["iptables", "-w", "-S", "INPUT"]), /-j f2b-sshd/);
    assert.match(
      await ns.must(["iptables", "-w", "-S", "f2b-sshd"]),
      /-A f2b-sshd -s 192\.0\.2\.9\/32 -j REJECT/,
    );
    assert.equal(m.drifts[0]?.kind, "missing-state");
    await m.manager.stop();
  });
});
