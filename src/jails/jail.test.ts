import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StoredEvent } from "../core/event.js";
import { buildIgnoreList, IgnoreList } from "./ignore.js";
import {
  type BanTicket,
  type Failure,
  Jail,
  JailConsumer,
  type JailFilter,
  type JailSettings,
} from "./jail.js";

const S = 1000;
const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);

function jail(over: Partial<JailSettings> = {}, ignore: string[] = [], banned = new Set<string>()): Jail {
  return new Jail({ name: "sshd", maxretry: 3, findtime: 600, ...over }, new IgnoreList(ignore), (t) =>
    banned.has(t),
  );
}

const fail = (ip: string, atSeconds: number, extra: Partial<Failure> = {}): Failure => ({
  ip,
  host: ip,
  time: T0 + atSeconds * S,
  lines: [`line at ${atSeconds}`],
  ...extra,
});

/** Feeds failures (ip, seconds after T0) at now = the failure's time; returns the verdict kinds. */
function feed(j: Jail, items: Array<[string, number]>): string[] {
  return items.map(([ip, t]) => j.onFailure(fail(ip, t), T0 + t * S).kind);
}

describe("Jail: maxretry within findtime (event time)", () => {
  const cases: Array<{
    name: string;
    settings?: Partial<JailSettings>;
    failures: Array<[string, number]>;
    want: string[];
  }> = [
    {
      name: "bans at the maxretry-th failure",
      failures: [
        ["1.2.3.4", 0],
        ["1.2.3.4", 10],
        ["1.2.3.4", 20],
      ],
      want: ["counted", "counted", "ban"],
    },
    { name: "maxretry 1 bans at once", settings: { maxretry: 1 }, failures: [["1.2.3.4", 0]], want: ["ban"] },
    {
      name: "addresses are counted apart",
      failures: [
        ["1.2.3.4", 0],
        ["5.6.7.8", 1],
        ["1.2.3.4", 2],
        ["5.6.7.8", 3],
      ],
      want: ["counted", "counted", "counted", "counted"],
    },
    {
      name: "a failure older than findtime before the newest does not count",
      failures: [
        ["1.2.3.4", 0],
        ["1.2.3.4", 500],
        ["1.2.3.4", 601],
        ["1.2.3.4", 700],
      ],
      want: ["counted", "counted", "counted", "ban"],
    },
    {
      name: "exactly findtime apart still counts (fail2ban's boundary)",
      failures: [
        ["1.2.3.4", 0],
        ["1.2.3.4", 300],
        ["1.2.3.4", 600],
      ],
      want: ["counted", "counted", "ban"],
    },
    {
      name: "slow attempts never ban",
      failures: [
        ["1.2.3.4", 0],
        ["1.2.3.4", 400],
        ["1.2.3.4", 800],
        ["1.2.3.4", 1200],
      ],
      want: ["counted", "counted", "counted", "counted"],
    },
    {
      name: "after a ban the count starts over",
      settings: { maxretry: 2 },
      failures: [
        ["1.2.3.4", 0],
        ["1.2.3.4", 1],
        ["1.2.3.4", 2],
        ["1.2.3.4", 3],
      ],
      want: ["counted", "ban", "counted", "ban"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(feed(jail(c.settings), c.failures), c.want));
  }

  it("failures logged out of order are placed by their own time", () => {
    const j = jail();
    assert.equal(j.onFailure(fail("1.2.3.4", 100), T0 + 200 * S).kind, "counted");
    assert.equal(j.onFailure(fail("1.2.3.4", 50), T0 + 200 * S).kind, "counted");
    assert.equal(j.onFailure(fail("1.2.3.4", 120), T0 + 200 * S).kind, "ban");
  });

  it("a failure older than findtime before now (an old log read at start) is not counted", () => {
    const j = jail({ maxretry: 1 });
    assert.equal(j.onFailure(fail("1.2.3.4", 0), T0 + 601 * S).kind, "too-old");
    assert.equal(j.onFailure(fail("1.2.3.4", 1), T0 + 601 * S).kind, "ban");
  });

  it("the ticket carries the failures, the lines and the last failure time", () => {
    const j = jail();
    feed(j, [
      ["1.2.3.4", 0],
      ["1.2.3.4", 5],
    ]);
    const v = j.onFailure(fail("1.2.3.4", 9), T0 + 9 * S);
    assert.equal(v.kind, "ban");
    if (v.kind !== "ban") return;
    assert.deepEqual(v.ticket, {
      jail: "sshd",
      target: "1.2.3.4",
      ip: "1.2.3.4",
      failures: 3,
      lines: ["line at 0", "line at 5", "line at 9"],
      time: T0 + 9 * S,
    });
  });

  it("an address already banned is not counted again", () => {
    const j = jail({ maxretry: 1 }, [], new Set(["1.2.3.4"]));
    assert.deepEqual(feed(j, [["1.2.3.4", 0]]), ["already-banned"]);
  });

  it("memory stays bounded: idle targets are pruned", () => {
    const j = jail();
    feed(j, [
      ["1.2.3.4", 0],
      ["5.6.7.8", 500],
    ]);
    assert.equal(j.counter.size, 2);
    j.prune(T0 + 1000 * S);
    assert.equal(j.counter.size, 1);
    assert.ok(j.counter.get("5.6.7.8"));
  });
});

describe("Jail: only valid addresses, never ignored ones", () => {
  const cases: Array<{ name: string; ip: string; ignore?: string[]; want: string; target?: string }> = [
    { name: "a user name is not an address", ip: "root", want: "invalid" },
    { name: "shell metacharacters are not an address", ip: "1.2.3.4;reboot", want: "invalid" },
    { name: "leading zeros are not an address", ip: "01.2.3.4", want: "invalid" },
    { name: "an address with a zone is refused", ip: "fe80::1%eth0", want: "invalid" },
    { name: "an empty string", ip: "", want: "invalid" },
    { name: "ignoreip: a single address", ip: "10.0.0.5", ignore: ["10.0.0.5"], want: "ignored" },
    { name: "ignoreip: a CIDR", ip: "10.1.2.3", ignore: ["10.0.0.0/8"], want: "ignored" },
    {
      name: "ignoreip: loopback by default",
      ip: "127.0.0.1",
      ignore: ["127.0.0.1/8", "::1"],
      want: "ignored",
    },
    { name: "ignoreip: IPv6 CIDR", ip: "2001:db8::7", ignore: ["2001:db8::/32"], want: "ignored" },
    {
      name: "ignoreip: IPv4-mapped IPv6 is the IPv4 address",
      ip: "::ffff:10.0.0.5",
      ignore: ["10.0.0.0/8"],
      want: "ignored",
    },
    { name: "outside ignoreip", ip: "11.0.0.1", ignore: ["10.0.0.0/8"], want: "ban", target: "11.0.0.1" },
    { name: "IPv6 is normalized", ip: "2001:DB8:0:0::1", want: "ban", target: "2001:db8::1" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = jail({ maxretry: 1 }, c.ignore ?? []).onFailure(fail(c.ip, 0), T0);
      assert.equal(v.kind, c.want);
      if (c.target && v.kind === "ban") assert.equal(v.ticket.target, c.target);
    });
  }
});

describe("Jail: IPv6 prefix bans (ban_prefix_v6)", () => {
  const cases: Array<{
    name: string;
    bits?: number;
    ips: string[];
    ignore?: string[];
    want: string[];
    target?: string;
  }> = [
    {
      name: "addresses of one /64 are counted together",
      bits: 64,
      ips: ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"],
      want: ["counted", "counted", "ban"],
      target: "2001:db8:1:2::/64",
    },
    {
      name: "other /64s are counted apart",
      bits: 64,
      ips: ["2001:db8:1:2::1", "2001:db8:1:3::1", "2001:db8:1:4::1"],
      want: ["counted", "counted", "counted"],
    },
    {
      name: "without the key each address counts alone",
      ips: ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::3"],
      want: ["counted", "counted", "counted"],
    },
    {
      name: "IPv4 is never widened",
      bits: 64,
      ips: ["1.2.3.4", "1.2.3.4", "1.2.3.4"],
      want: ["counted", "counted", "ban"],
      target: "1.2.3.4",
    },
    {
      name: "a /64 holding an ignored address bans only the attacker",
      bits: 64,
      ips: ["2001:db8:1:2::1", "2001:db8:1:2::1", "2001:db8:1:2::1"],
      ignore: ["2001:db8:1:2::99"],
      want: ["counted", "counted", "ban"],
      target: "2001:db8:1:2::1",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const j = jail({ banPrefixV6: c.bits }, c.ignore ?? []);
      const verdicts = c.ips.map((ip, i) => j.onFailure(fail(ip, i), T0 + i * S));
      assert.deepEqual(
        verdicts.map((v) => v.kind),
        c.want,
      );
      const last = verdicts.at(-1);
      if (c.target && last?.kind === "ban") assert.equal(last.ticket.target, c.target);
    });
  }

  it("a subnet the filter matched is banned as that subnet, unless it holds an ignored address", () => {
    const j = jail({ maxretry: 1 }, ["10.9.9.9"]);
    const a = j.onFailure(fail("192.0.2.0", 0, { prefix: 24 }), T0);
    assert.equal(a.kind === "ban" && a.ticket.target, "192.0.2.0/24");
    assert.equal(j.onFailure(fail("10.9.0.0", 0, { prefix: 16 }), T0).kind, "ignored");
  });

  it("an address text screened with a prefix is not taken for the same text with another or none", () => {
    const j = jail({ maxretry: 1 });
    // screenings are remembered by the filter's text: "a/n" given as an address is no address at all
    assert.equal(j.onFailure(fail("192.0.2.0/24", 0), T0).kind, "invalid");
    const a = j.onFailure(fail("192.0.2.0", 1, { prefix: 24 }), T0 + S);
    assert.equal(a.kind === "ban" && a.ticket.target, "192.0.2.0/24");
    const b = j.onFailure(fail("198.51.100.0", 2, { prefix: 24 }), T0 + 2 * S);
    assert.equal(b.kind === "ban" && b.ticket.target, "198.51.100.0/24");
    const c = j.onFailure(fail("198.51.100.0", 3), T0 + 3 * S);
    assert.equal(c.kind === "ban" && c.ticket.target, "198.51.100.0");
    const d = j.onFailure(fail("198.51.100.0", 4, { prefix: 16 }), T0 + 4 * S);
    assert.equal(d.kind === "ban" && d.ticket.target, "198.51.0.0/16");
  });
});

describe("ignore list: host names resolved once, the host's own addresses", () => {
  it("resolves host names with the injected resolver and adds own addresses with ignoreself", async () => {
    const asked: string[] = [];
    const list = await buildIgnoreList({
      ignoreip: ["10.0.0.0/8", "bastion.example", "gone.example"],
      ignoreself: true,
      resolver: async (h) => {
        asked.push(h);
        if (h === "gone.example") throw new Error("ENOTFOUND");
        return ["192.0.2.10", "2001:db8::10"];
      },
      ownAddresses: () => ["198.51.100.7", "fe80::1%eth0", "::1"],
    });
    assert.deepEqual(asked, ["bastion.example", "gone.example"]);
    const table: Array<[string, boolean]> = [
      ["10.2.3.4", true],
      ["192.0.2.10", true],
      ["2001:db8::10", true],
      ["198.51.100.7", true],
      ["fe80::1", true],
      ["::1", true],
      ["192.0.2.11", false],
      ["203.0.113.1", false],
    ];
    for (const [ip, want] of table) assert.equal(list.contains(ip), want, ip);
  });

  it("IPv4-mapped entries (::ffff:a.b.c.d, /104) match the IPv4 addresses logs are normalised to", async () => {
    const list = await buildIgnoreList({
      ignoreip: ["::ffff:10.0.0.5", "::ffff:192.168.0.0/112", "::ffff:0:0/104"],
      ignoreself: false,
    });
    const table: Array<[string, boolean]> = [
      ["10.0.0.5", true],
      ["::ffff:10.0.0.5", true],
      ["192.168.7.7", true],
      ["0.1.2.3", true],
      ["10.0.0.6", false],
      ["192.169.0.1", false],
    ];
    for (const [ip, want] of table) assert.equal(list.contains(ip), want, ip);
    const j = new Jail({ name: "sshd", maxretry: 1, findtime: 600 }, list, () => false);
    assert.equal(j.onFailure(fail("10.0.0.5", 0), T0).kind, "ignored", "the jail never bans it");
  });

  it("without ignoreself the host's addresses can be banned", async () => {
    const list = await buildIgnoreList({
      ignoreip: [],
      ignoreself: false,
      ownAddresses: () => ["198.51.100.7"],
    });
    assert.equal(list.contains("198.51.100.7"), false);
  });
});

describe("JailConsumer: events of its group through the filter into tickets", () => {
  /** A tiny filter: "fail from IP" lines are failures (time = fallback); "user X from IP" picks the IP after "from". */
  const filter: JailFilter = {
    name: "tiny",
    journalmatch: [],
    maxlines: 1,
    process(line, fallbackTime) {
      const m = /from (\S+)$/.exec(line);
      if (!m) return { failures: [], matched: false, ignored: false };
      return {
        failures: [{ ip: m[1], host: m[1], time: fallbackTime ?? 0, lines: [line] }],
        matched: true,
        ignored: false,
      };
    },
  };
  const ev = (group: string, message: string, ts: number, id = 1): StoredEvent => ({
    id,
    group,
    stream: "h",
    timestamp: ts,
    ingestTime: ts,
    message,
  });

  it("counts only its group and hands tickets to the sink without waiting", () => {
    const tickets: BanTicket[] = [];
    const j = jail({ maxretry: 2 });
    const c = new JailConsumer("/var/log/auth.log", filter, j, { enqueue: (t) => tickets.push(t) }, () => T0);
    c.onEvents([
      ev("/var/log/auth.log", "fail from 5.6.7.8", T0 - 2 * S),
      ev("/other", "fail from 5.6.7.8", T0 - S),
      ev("/var/log/auth.log", "noise", T0),
      ev("/var/log/auth.log", "fail from 5.6.7.8", T0),
    ]);
    assert.equal(tickets.length, 1);
    assert.equal(tickets[0].target, "5.6.7.8");
    assert.equal(c.counters.lines, 3);
    assert.equal(c.counters.matched, 2);
  });

  it("a filter that throws on a line skips that line only", () => {
    const tickets: BanTicket[] = [];
    let n = 0;
    const flaky: JailFilter = {
      ...filter,
      process: (l, t) =>
        ++n === 1
          ? (() => {
              throw new Error("boom");
            })()
          : filter.process(l, t),
    };
    const c = new JailConsumer(
      "g",
      flaky,
      jail({ maxretry: 1 }),
      { enqueue: (t) => tickets.push(t) },
      () => T0,
    );
    c.onEvents([ev("g", "fail from 1.1.1.1", T0), ev("g", "fail from 2.2.2.2", T0)]);
    assert.equal(c.counters.errors, 1);
    assert.deepEqual(
      tickets.map((t) => t.target),
      ["2.2.2.2"],
    );
  });

  it("shell metacharacters in a log line never become a target", () => {
    const tickets: BanTicket[] = [];
    const c = new JailConsumer(
      "g",
      filter,
      jail({ maxretry: 1 }),
      { enqueue: (t) => tickets.push(t) },
      () => T0,
    );
    c.onEvents([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, on purpose
      ev("g", "fail from $(touch${IFS}/tmp/pwned)", T0),
      ev("g", "fail from 1.2.3.4;rm", T0),
      ev("g", "fail from `id`", T0),
    ]);
    assert.equal(tickets.length, 0);
    assert.equal(c.counters.invalid, 3);
  });
});

describe("Jail: a new ignore list counts at once", () => {
  it("an address screened before is ignored once the new list holds it, and counted again once it does not", () => {
    const j = jail();
    assert.deepEqual(feed(j, [["198.51.100.4", 0]]), ["counted"]);
    j.setIgnoreList(new IgnoreList(["198.51.100.0/24"]));
    assert.deepEqual(feed(j, [["198.51.100.4", 1]]), ["ignored"]);
    j.setIgnoreList(new IgnoreList([]));
    assert.deepEqual(feed(j, [["198.51.100.4", 2]]), ["counted"]);
  });

  it("a refused target stays refused for every failure of it", () => {
    const j = jail();
    const kinds = [0, 1, 2, 3].map((t) => j.onFailure(fail("255.255.255.255", t), T0 + t * S));
    assert.deepEqual(
      kinds.map((v) => (v.kind === "ignored" ? v.reason : v.kind)),
      Array(4).fill("255.255.255.255 is a broadcast address, never a sender to ban"),
    );
  });
});
