import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { banRefusal } from "./guard.js";
import { IgnoreList } from "./ignore.js";
import { Jail } from "./jail.js";

describe("ban guards: what no ban may cover", () => {
  const ignore = new IgnoreList(["127.0.0.1/8", "::1", "192.0.2.10", "2001:db8:5::1"]);
  const cases: Array<[string, { force?: boolean }, RegExp | undefined]> = [
    ["203.0.113.7", {}, undefined],
    ["2001:db8:1::7", {}, undefined],
    ["203.0.113.0/24", {}, undefined],
    ["10.0.0.0/8", {}, undefined],
    ["2001:db9::/32", {}, undefined],
    ["2001:db8:1:2::/64", {}, undefined],
    ["0.0.0.0", {}, /0\.0\.0\.0 is a unspecified address/],
    ["::", {}, /:: is a unspecified address/],
    ["255.255.255.255", {}, /broadcast address/],
    ["224.0.0.251", {}, /multicast address/],
    ["ff02::1", {}, /multicast address/],
    ["239.0.0.0/8", {}, /multicast range/],
    ["0.0.0.0/0", {}, /0\.0\.0\.0\/0 is wider than \/8.*--force/],
    ["::/0", {}, /::\/0 is wider than \/32.*IPv6/],
    ["8.0.0.0/7", {}, /wider than \/8/],
    ["2001::/16", {}, /wider than \/32/],
    ["128.0.0.0/2", { force: true }, undefined],
    ["2400::/16", { force: true }, undefined],
    ["0.0.0.0/0", { force: true }, /0\.0\.0\.0\/0 covers an address in the jail's ignoreip/],
    ["127.0.0.1", {}, /127\.0\.0\.1 is in the jail's ignoreip/],
    ["::1", {}, /is in the jail's ignoreip/],
    ["192.0.2.0/24", {}, /192\.0\.2\.0\/24 covers an address in the jail's ignoreip/],
    ["2001:db8:5::/48", {}, /covers an address/],
    ["1.2.3.4; reboot", {}, /not an IP address or CIDR/],
  ];
  for (const [target, o, want] of cases)
    it(`${target}${o.force ? " (forced)" : ""} → ${want ?? "allowed"}`, () => {
      const got = banRefusal(target, { ignore, ...o });
      if (want === undefined) assert.equal(got, undefined);
      else assert.match(got ?? "(allowed)", want);
    });
});

describe("a jail never bans what the guards refuse, even with an empty ignore list", () => {
  const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
  const jail = new Jail({ name: "sshd", maxretry: 1, findtime: 600 }, new IgnoreList([]), () => false);
  const fail = (ip: string, prefix?: number) => ({ ip, host: ip, time: T0, lines: ["x"], prefix });
  const cases: Array<[string, number | undefined, string]> = [
    ["0.0.0.0", undefined, "ignored"],
    ["::", undefined, "ignored"],
    ["255.255.255.255", undefined, "ignored"],
    ["224.0.0.1", undefined, "ignored"],
    ["ff02::1", undefined, "ignored"],
    ["198.51.100.0", 4, "ignored"],
    ["198.51.100.9", undefined, "ban"],
  ];
  for (const [ip, prefix, want] of cases)
    it(`${ip}${prefix ? `/${prefix}` : ""} → ${want}`, () => {
      const v = jail.onFailure(fail(ip, prefix), T0);
      assert.equal(v.kind, want);
      if (v.kind === "ignored") assert.ok(v.reason, "says why");
    });
});
