/**
 * The firewall actions for real, inside a network namespace this test creates and always deletes.
 * Skipped (with the reason) only where namespaces cannot be made: not root, or the tool is missing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { jailSchema } from "../config/schema.js";
import { waitFor } from "../testing/wait.js";
import { IpsetAction } from "./ipset/index.js";
import { IptablesAction } from "./iptables/index.js";
import { NftablesAction, nftSetElements } from "./nftables/index.js";
import { createNetns, type Netns, netnsUnavailable } from "./testing/netns.js";

const log = pino({ level: "silent" });
const jail = (over: Record<string, unknown> = {}) =>
  jailSchema.parse({ name: "sshd", filter: "sshd", group: "g", port: "ssh", ...over });
const info = (bantime: number) => ({ jail: "sshd", bantime, failures: 5 });

interface NftElem {
  val: string;
  timeout?: number;
}

async function nftElements(ns: Netns, set: string): Promise<NftElem[]> {
  const doc = JSON.parse(await ns.must(["nft", "-j", "list", "set", "inet", "mamori", set])) as {
    nftables: Array<{ set?: { elem?: unknown[] } }>;
  };
  const elems = doc.nftables.find((x) => x.set)?.set?.elem ?? [];
  return elems.map((e) => {
    const o = e as { elem?: { val: unknown; timeout?: number } };
    const text = nftSetElements(JSON.stringify({ nftables: [{ set: { elem: [e] } }] }))[0];
    return { val: text, timeout: o.elem?.timeout };
  });
}

describe("nftables action in a network namespace", { skip: netnsUnavailable(["nft"]) }, () => {
  let ns: Netns;
  before(() => {
    ns = createNetns();
  });
  after(() => ns?.destroy());

  it("creates table, sets and one rule per family; starting again changes nothing", async () => {
    const a = new NftablesAction({ jail: jail(), log, netns: ns.name });
    await a.start();
    await a.start();
    const chain = await ns.must(["nft", "list", "chain", "inet", "mamori", "jail-sshd"]);
    assert.match(chain, /type filter hook input priority filter - 1; policy accept;/);
    assert.equal(
      chain.match(/saddr @sshd-v[46] tcp dport 22 counter packets \d+ bytes \d+ reject with tcp reset/g)
        ?.length,
      2,
    );
    assert.deepEqual(await a.check(), { ok: true, banned: [] });
  });

  it("bans addresses and prefixes with element timeouts; re-ban refreshes; unban is idempotent", async () => {
    const a = new NftablesAction({ jail: jail(), log, netns: ns.name });
    await a.start();
    await a.ban("192.0.2.7", info(600));
    await a.ban("192.0.2.7", info(900));
    await a.ban("2001:db8:1:2::/64", info(60));
    await a.ban("2001:db8::9", info(-1));
    const v4 = await nftElements(ns, "sshd-v4");
    assert.deepEqual(
      v4.map((e) => e.val),
      ["192.0.2.7"],
    );
    assert.equal(v4[0].timeout, 900, "the second ban refreshed the timeout");
    const v6 = await nftElements(ns, "sshd-v6");
    assert.deepEqual(v6.map((e) => e.val).sort(), ["2001:db8:1:2::/64", "2001:db8::9"]);
    assert.equal(v6.find((e) => e.val === "2001:db8::9")?.timeout, undefined, "forever: no timeout");
    const report = await a.check();
    assert.equal(typeof report === "object" && report.ok, true);
    await a.unban("192.0.2.7", { jail: "sshd" });
    await a.unban("192.0.2.7", { jail: "sshd" });
    await a.unban("198.51.100.1", { jail: "sshd" });
    assert.deepEqual(await nftElements(ns, "sshd-v4"), []);
  });

  it("overlaps: a prefix replaces the addresses inside; an address inside a prefix is held by it", async () => {
    const a = new NftablesAction({
      jail: jail({ name: "overlap" }),
      log,
      netns: ns.name,
      removeOnStop: true,
    });
    await a.start();
    await a.ban("198.51.100.7", info(600));
    await a.ban("198.51.100.8", info(600));
    await a.ban("198.51.100.0/24", info(300));
    const v4 = await nftElements(ns, "overlap-v4");
    assert.deepEqual(
      v4.map((e) => e.val),
      ["198.51.100.0/24"],
    );
    assert.equal(v4[0].timeout, 300, "the prefix keeps its own timeout");
    await a.ban("198.51.100.9", info(600));
    await a.unban("198.51.100.7", { jail: "overlap" });
    assert.deepEqual(
      (await nftElements(ns, "overlap-v4")).map((e) => e.val),
      ["198.51.100.0/24"],
      "banning or unbanning inside the prefix changes nothing and is not an error",
    );
    await a.ban("::/0", info(60));
    await a.ban("2001:db8:9::1", info(60));
    await a.ban("2001:db8:9::/64", info(60));
    assert.deepEqual(
      (await nftElements(ns, "overlap-v6")).map((e) => e.val),
      ["::/0"],
      "a ban inside ::/0 (only reachable with --force) is held by it",
    );
    await a.stop();
  });

  it("banMany puts many bans in with few commands", async () => {
    const a = new NftablesAction({ jail: jail({ name: "many" }), log, netns: ns.name, removeOnStop: true });
    await a.start();
    const items = Array.from({ length: 1200 }, (_, i) => ({
      target: `10.${Math.floor(i / 256)}.${i % 256}.1`,
      info: info(600),
    }));
    await a.banMany([...items, { target: "2001:db8::5", info: info(-1) }]);
    assert.equal((await nftElements(ns, "many-v4")).length, 1200);
    assert.deepEqual(
      (await nftElements(ns, "many-v6")).map((e) => e.val),
      ["2001:db8::5"],
    );
    await a.stop();
  });

  it("the kernel lifts a ban on time by itself", async () => {
    const a = new NftablesAction({ jail: jail(), log, netns: ns.name });
    await a.start();
    await a.ban("192.0.2.8", info(1));
    assert.deepEqual(
      (await nftElements(ns, "sshd-v4")).map((e) => e.val),
      ["192.0.2.8"],
    );
    await waitFor(
      "the kernel to expire the element",
      async () => (await nftElements(ns, "sshd-v4")).length === 0,
      5000,
    );
  });

  it("stop keeps the table unless removeOnStop; removal leaves other jails alone", async () => {
    const keep = new NftablesAction({ jail: jail(), log, netns: ns.name });
    const other = new NftablesAction({
      jail: jail({ name: "dovecot", port: "imap" }),
      log,
      netns: ns.name,
      removeOnStop: true,
    });
    await keep.start();
    await other.start();
    await other.ban("192.0.2.9", info(60));
    await keep.stop();
    assert.equal((await ns.exec(["nft", "list", "chain", "inet", "mamori", "jail-sshd"])).code, 0);
    await other.stop();
    assert.notEqual((await ns.exec(["nft", "list", "set", "inet", "mamori", "dovecot-v4"])).code, 0);
    assert.equal((await ns.exec(["nft", "list", "chain", "inet", "mamori", "jail-sshd"])).code, 0);
    const last = new NftablesAction({ jail: jail(), log, netns: ns.name, removeOnStop: true });
    await last.stop();
    assert.notEqual(
      (await ns.exec(["nft", "list", "table", "inet", "mamori"])).code,
      0,
      "the empty table is removed",
    );
    const report = await last.check();
    assert.equal(typeof report === "object" && report.ok, false);
  });
});

describe("ipset action in a network namespace", {
  skip: netnsUnavailable(["ipset", "iptables", "ip6tables"]),
}, () => {
  let ns: Netns;
  before(() => {
    ns = createNetns();
  });
  after(() => ns?.destroy());

  it("sets with timeouts, one iptables/ip6tables multiport rule each, idempotent", async () => {
    const a = new IpsetAction({ jail: jail({ port: "ssh,2222" }), log, netns: ns.name, removeOnStop: true });
    await a.start();
    await a.start();
    const rules4 = await ns.must(["iptables", "-w", "-S", "INPUT"]);
    assert.equal(
      rules4.match(
        /-A INPUT -p tcp -m multiport --dports 22,2222 -m set --match-set mamori-sshd src -j REJECT --reject-with tcp-reset/g,
      )?.length,
      1,
      rules4,
    );
    assert.match(await ns.must(["ip6tables", "-w", "-S", "INPUT"]), /--match-set mamori6-sshd src/);
    await a.ban("192.0.2.7", info(600));
    await a.ban("192.0.2.7", info(600));
    await a.ban("2001:db8:1:2::/64", info(60));
    await a.ban("2001:db8::9", info(-1));
    const save4 = await ns.must(["ipset", "save", "mamori-sshd"]);
    assert.match(save4, /^add mamori-sshd 192\.0\.2\.7 timeout (600|599)$/m);
    const save6 = await ns.must(["ipset", "save", "mamori6-sshd"]);
    assert.match(save6, /^add mamori6-sshd 2001:db8:1:2::\/64 timeout (60|59)$/m);
    assert.match(save6, /^add mamori6-sshd 2001:db8::9 timeout 0$/m);
    const report = await a.check();
    assert.equal(typeof report === "object" && report.ok, true);
    await a.unban("192.0.2.7", { jail: "sshd" });
    await a.unban("192.0.2.7", { jail: "sshd" });
    assert.doesNotMatch(await ns.must(["ipset", "save", "mamori-sshd"]), /192\.0\.2\.7/);
    await a.stop();
    assert.notEqual((await ns.exec(["ipset", "list", "mamori-sshd"])).code, 0);
    assert.doesNotMatch(await ns.must(["iptables", "-w", "-S", "INPUT"]), /mamori/);
  });
});

describe("iptables action in a network namespace", {
  skip: netnsUnavailable(["iptables", "ip6tables"]),
}, () => {
  let ns: Netns;
  before(() => {
    ns = createNetns();
  });
  after(() => ns?.destroy());

  it("a chain per jail, one rule per address, jumped to for the jail's ports", async () => {
    const a = new IptablesAction({
      jail: jail({ blocktype: "drop" }),
      log,
      netns: ns.name,
      removeOnStop: true,
    });
    await a.start();
    await a.start();
    const input = await ns.must(["iptables", "-w", "-S", "INPUT"]);
    assert.equal(input.match(/-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd/g)?.length, 1, input);
    await a.ban("192.0.2.7", info(600));
    await a.ban("192.0.2.7", info(600));
    await a.ban("2001:db8::/64", info(600));
    assert.equal(
      (await ns.must(["iptables", "-w", "-S", "f2b-sshd"])).match(/-A f2b-sshd -s 192\.0\.2\.7\/32 -j DROP/g)
        ?.length,
      1,
    );
    assert.match(
      await ns.must(["ip6tables", "-w", "-S", "f2b-sshd"]),
      /-A f2b-sshd -s 2001:db8::\/64 -j DROP/,
    );
    const report = await a.check();
    assert.deepEqual(typeof report === "object" && report.banned?.sort(), ["192.0.2.7", "2001:db8::/64"]);
    await a.unban("192.0.2.7", { jail: "sshd" });
    await a.unban("192.0.2.7", { jail: "sshd" });
    assert.doesNotMatch(await ns.must(["iptables", "-w", "-S", "f2b-sshd"]), /192\.0\.2\.7/);
    await a.stop();
    assert.notEqual((await ns.exec(["iptables", "-w", "-S", "f2b-sshd"])).code, 0);
    assert.doesNotMatch(await ns.must(["iptables", "-w", "-S", "INPUT"]), /f2b-sshd/);
  });
});
