import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "./clock.js";
import { formatDuration, parseDuration } from "./duration.js";
import { CidrList, ipv6Prefix, isIp, normalizeIp } from "./ip.js";

describe("parseDuration", () => {
  const rows: Array<[string | number, number]> = [
    [600, 600],
    ["600", 600],
    ["10s", 10],
    ["10m", 600],
    ["1h", 3600],
    ["1d", 86400],
    ["1w", 604800],
    ["1h30m", 5400],
    ["1d 12h", 129600],
    ["-1", -1],
    ["2 minutes", 120],
  ];
  for (const [input, want] of rows)
    it(`${JSON.stringify(input)} → ${want}`, () => assert.equal(parseDuration(input), want));
  for (const bad of ["", "ten", "10x", "10m garbage", "m"]) {
    it(`rejects ${JSON.stringify(bad)} with a hint`, () => assert.throws(() => parseDuration(bad), /10m/));
  }
  it("formats back", () => {
    assert.equal(formatDuration(600), "10m");
    assert.equal(formatDuration(90061), "1d1h1m1s");
    assert.equal(formatDuration(-1), "forever");
  });
});

describe("IP helpers", () => {
  const valid = ["1.2.3.4", "255.255.255.255", "::1", "2001:db8::1", "::ffff:10.0.0.1"];
  const invalid = [
    "1.2.3",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3.4; rm -rf /",
    "$(reboot)",
    "fe80::1%eth0",
    "example.com",
    "",
    "1.2.3.4/24",
  ];
  for (const v of valid) it(`accepts ${v}`, () => assert.equal(isIp(v), true));
  for (const v of invalid) it(`rejects ${JSON.stringify(v)}`, () => assert.equal(isIp(v), false));
  it("normalizes IPv6 and IPv4-mapped addresses", () => {
    assert.equal(normalizeIp("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
    assert.equal(normalizeIp("::ffff:10.0.0.1"), "10.0.0.1");
    assert.equal(normalizeIp("nope"), undefined);
  });
  it("matches CIDR lists, mapped addresses included", () => {
    const list = new CidrList(["127.0.0.1/8", "::1", "10.0.0.0/8", "2001:db8::/32", "junk"]);
    assert.equal(list.size, 4);
    assert.equal(list.contains("127.9.9.9"), true);
    assert.equal(list.contains("::ffff:10.1.2.3"), true);
    assert.equal(list.contains("2001:db8:1::5"), true);
    assert.equal(list.contains("11.0.0.1"), false);
    assert.equal(list.contains("not an ip"), false);
  });
  it("computes IPv6 prefixes", () => {
    assert.equal(ipv6Prefix("2001:db8:1:2:3:4:5:6", 64), "2001:db8:1:2::/64");
    assert.equal(ipv6Prefix("2001:db8:1:2:3:4:5:6", 60), "2001:db8:1::/60");
    assert.equal(ipv6Prefix("1.2.3.4", 64), undefined);
  });
});

describe("ManualClock", () => {
  it("counts the timers that fired (one-shot and each period of an interval)", () => {
    const c = new ManualClock(0);
    c.setTimeout(() => {}, 10);
    const every = c.setInterval(() => {}, 100);
    c.set(5);
    assert.equal(c.fired, 0, "nothing due yet");
    c.set(250);
    assert.equal(c.fired, 3, "the timeout and the interval at 100 and 200");
    every.cancel();
    c.set(1000);
    assert.equal(c.fired, 3);
  });

  it("fires timers in time order as time is stepped, intervals repeatedly", () => {
    const c = new ManualClock(1000);
    const fired: string[] = [];
    c.setTimeout(() => fired.push(`b@${c.now()}`), 200);
    c.setTimeout(() => fired.push(`a@${c.now()}`), 100);
    const iv = c.setInterval(() => fired.push(`i@${c.now()}`), 150);
    c.advance(310);
    assert.deepEqual(fired, ["a@1100", "i@1150", "b@1200", "i@1300"]);
    iv.cancel();
    c.advance(1000);
    assert.equal(fired.length, 4);
    assert.equal(c.now(), 2310);
  });
  it("resolves sleep when time passes and rejects it on abort", async () => {
    const c = new ManualClock(0);
    const slept = c.sleep(50);
    c.advance(50);
    await slept;
    const ac = new AbortController();
    const aborted = c.sleep(50, ac.signal);
    ac.abort(new Error("stop"));
    await assert.rejects(aborted, /stop/);
    assert.equal(c.pending(), 0);
  });
});
