import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import { jailSchema } from "../config/schema.js";
import { ExecAction, substituteArgv } from "./exec/index.js";
import { HostsDenyAction } from "./hosts-deny/index.js";
import { actions, createAction } from "./index.js";
import { ipsetName, ipsetTimeout } from "./ipset/index.js";
import { iptablesChain } from "./iptables/index.js";
import {
  nftBanScript,
  nftNames,
  nftRuleMatch,
  nftSetElements,
  nftStartScript,
  nftUnbanScript,
} from "./nftables/index.js";
import { multiportPorts, parsePorts, parseServices } from "./ports.js";
import type { CommandRunner } from "./runner.js";
import { parseTarget } from "./target.js";

const log = pino({ level: "silent" });
const jail = (over: Record<string, unknown> = {}) =>
  jailSchema.parse({ name: "sshd", filter: "sshd", group: "g", ...over });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-actions-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("ban targets: only valid addresses and CIDRs reach a firewall", () => {
  const cases: Array<[string, string | undefined]> = [
    ["1.2.3.4", "1.2.3.4"],
    ["2001:DB8::1", "2001:db8::1"],
    ["::ffff:1.2.3.4", "1.2.3.4"],
    ["2001:db8:1:2:3:4:5:6/64", "2001:db8:1:2::/64"],
    ["10.1.2.3/8", "10.0.0.0/8"],
    ["1.2.3.4/32", "1.2.3.4"],
    ["1.2.3.4; rm -rf /", undefined],
    ["$(reboot)", undefined],
    ["1.2.3.4 }; flush ruleset; add element inet mamori x { 1.1.1.1", undefined],
    ["01.2.3.4", undefined],
    ["1.2.3.4/33", undefined],
    ["fe80::1%eth0", undefined],
    ["root", undefined],
    ["", undefined],
  ];
  for (const [input, want] of cases)
    it(JSON.stringify(input), () => assert.equal(parseTarget(input)?.text, want));

  it("every action refuses a non-address before running anything", async () => {
    const ran: string[][] = [];
    const runner: CommandRunner = {
      run: async (argv) => {
        ran.push([...argv]);
        return { code: 0, stdout: "", stderr: "" };
      },
    };
    const j = jail({ exec: { ban: ["/bin/true", "{ip}"] }, hosts_deny: path.join(tmp, "never") });
    for (const name of Object.keys(actions) as Array<keyof typeof actions>) {
      const a = createAction({ jail: { ...j, action: name }, log, runner });
      await assert.rejects(
        a.ban("1.2.3.4;id", { jail: "sshd", bantime: 60, failures: 5 }),
        /not an IP address/,
        name,
      );
      await assert.rejects(a.unban("`id`", { jail: "sshd" }), /not an IP address/, name);
    }
    assert.deepEqual(ran, []);
  });
});

describe("ports: fail2ban's port values", () => {
  const services = parseServices(
    "ssh 22/tcp\nhttp 80/tcp www\nhttps 443/tcp\nhttps 443/udp\ndomain 53/udp\n",
  );
  const cases: Array<[string | undefined, string, string | undefined]> = [
    ["ssh", "tcp", "22"],
    ["ssh,2222", "tcp", "22, 2222"],
    ["http, https", "tcp", "80, 443"],
    ["www", "tcp", "80"],
    ["8000:8100", "tcp", "8000-8100"],
    ["domain", "udp", "53"],
    ["0:65535", "tcp", undefined],
    [undefined, "tcp", undefined],
  ];
  for (const [value, proto, want] of cases) {
    it(`${value} (${proto})`, () => {
      const r = parsePorts(value, proto as "tcp", services);
      assert.equal(r?.map((x) => (x.from === x.to ? `${x.from}` : `${x.from}-${x.to}`)).join(", "), want);
    });
  }
  it("rejects unknown names and junk with a way out", () => {
    assert.throws(() => parsePorts("nosuchservice", "tcp", services), /write its number/);
    assert.throws(() => parsePorts("22;reboot", "tcp", services), /not a port number/);
    assert.throws(() => parsePorts("99999", "tcp", services), /not a port number/);
    assert.throws(() => parsePorts("100:10", "tcp", services), /backwards/);
  });
  it("multiport takes at most 15 ports", () => {
    assert.equal(
      multiportPorts([
        { from: 22, to: 22 },
        { from: 8000, to: 8100 },
      ]),
      "22,8000:8100",
    );
    assert.throws(
      () => multiportPorts(Array.from({ length: 16 }, (_, i) => ({ from: i + 1, to: i + 1 }))),
      /at most 15/,
    );
  });
});

describe("nftables scripts", () => {
  it("names: safe identifiers for any jail name", () => {
    assert.deepEqual(nftNames("sshd"), { chain: "jail-sshd", v4: "sshd-v4", v6: "sshd-v6" });
    assert.deepEqual(nftNames("1st"), { chain: "jail-1st", v4: "_1st-v4", v6: "_1st-v6" });
  });
  it("the rule matches the jail's protocol and ports", () => {
    assert.equal(nftRuleMatch(jail({ port: "ssh" })), "tcp dport { 22 }");
    assert.equal(nftRuleMatch(jail({ port: "53", protocol: "udp" })), "udp dport { 53 }");
    assert.equal(
      nftRuleMatch(jail({ port: "80,443", protocol: "all" })),
      "meta l4proto { tcp, udp } th dport { 80, 443 }",
    );
    assert.equal(nftRuleMatch(jail({ protocol: "all" })), "");
    assert.equal(nftRuleMatch(jail({})), "meta l4proto tcp");
  });
  it("start script: table, interval+timeout sets, chain at input priority -1, one rule per family", () => {
    assert.equal(
      nftStartScript(jail({ port: "ssh", blocktype: "drop" })),
      [
        "add table inet mamori",
        "add set inet mamori sshd-v4 { type ipv4_addr; flags interval, timeout; }",
        "add set inet mamori sshd-v6 { type ipv6_addr; flags interval, timeout; }",
        "add chain inet mamori jail-sshd { type filter hook input priority -1; policy accept; }",
        "flush chain inet mamori jail-sshd",
        "add rule inet mamori jail-sshd ip saddr @sshd-v4 tcp dport { 22 } counter drop",
        "add rule inet mamori jail-sshd ip6 saddr @sshd-v6 tcp dport { 22 } counter drop",
        "",
      ].join("\n"),
    );
  });
  it("ban refreshes the timeout in one transaction; forever has no timeout; unban is add+delete", () => {
    assert.equal(
      nftBanScript("sshd", "1.2.3.4", 600),
      "add element inet mamori sshd-v4 { 1.2.3.4 timeout 1s }\ndelete element inet mamori sshd-v4 { 1.2.3.4 }\nadd element inet mamori sshd-v4 { 1.2.3.4 timeout 600000ms }\n",
    );
    assert.match(
      nftBanScript("sshd", "2001:db8::/64", -1),
      /add element inet mamori sshd-v6 \{ 2001:db8::\/64 \}\n$/,
    );
    assert.equal(
      nftUnbanScript("sshd", "1.2.3.4"),
      "add element inet mamori sshd-v4 { 1.2.3.4 timeout 1s }\ndelete element inet mamori sshd-v4 { 1.2.3.4 }\n",
    );
  });
  it("reads the elements of nft -j list set", () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: {} },
        {
          set: {
            elem: [
              "1.1.1.1",
              { elem: { val: "2.2.2.2", timeout: 9 } },
              { prefix: { addr: "2001:db8::", len: 64 } },
              { elem: { val: { prefix: { addr: "10.0.0.0", len: 8 } } } },
            ],
          },
        },
      ],
    });
    assert.deepEqual(nftSetElements(json), ["1.1.1.1", "2.2.2.2", "2001:db8::/64", "10.0.0.0/8"]);
  });
});

describe("ipset / iptables names and timeouts", () => {
  it("kernel names stay within their limits", () => {
    assert.equal(ipsetName("sshd", "ipv4"), "mamori-sshd");
    assert.equal(ipsetName("sshd", "ipv6"), "mamori6-sshd");
    const long = "a-very-long-jail-name-that-goes-on-and-on";
    assert.ok(ipsetName(long, "ipv6").length <= 31);
    assert.notEqual(ipsetName(long, "ipv4"), ipsetName(`${long}2`, "ipv4"));
    assert.equal(iptablesChain("sshd"), "f2b-sshd");
    assert.ok(iptablesChain(long).length <= 28);
  });
  it("ipset timeouts: whole seconds, 0 (no timeout) for forever and past ipset's maximum", () => {
    assert.deepEqual(
      [ipsetTimeout(600), ipsetTimeout(0.2), ipsetTimeout(-1), ipsetTimeout(10_000_000)],
      [600, 1, 0, 0],
    );
  });
});

describe("exec action: argv only, never a shell", () => {
  it("substitutes placeholders inside each argument, one argument in, one out", () => {
    assert.deepEqual(
      substituteArgv(["/x", "--ip={ip}", "{jail}:{failures}:{bantime}", "{unknown}", "{ip}{ip}"], {
        ip: "1.2.3.4",
        jail: "sshd",
        failures: "5",
        bantime: "600",
      }),
      ["/x", "--ip=1.2.3.4", "sshd:5:600", "{unknown}", "1.2.3.41.2.3.4"],
    );
  });

  it("runs the command with its argv as written: metacharacters stay in their argument", async () => {
    const out = path.join(tmp, "argv.json");
    const marker = path.join(tmp, "PWNED");
    const writer = "require('fs').writeFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)))";
    const hostile = [
      `$(touch ${marker})`,
      `; touch ${marker}`,
      `| touch ${marker}`,
      `\`touch ${marker}\``,
      "&& id",
      "'\"",
      "*",
    ];
    const a = new ExecAction({
      jail: jail({
        action: "exec",
        exec: {
          ban: [
            process.execPath,
            "-e",
            writer,
            out,
            "{ip}",
            "{jail}",
            "n={failures}",
            "{bantime}s",
            ...hostile,
          ],
        },
      }),
      log,
    });
    await a.ban("2001:DB8::1", { jail: "sshd", bantime: 600, failures: 7 });
    assert.deepEqual(JSON.parse(fs.readFileSync(out, "utf8")), [
      "2001:db8::1",
      "sshd",
      "n=7",
      "600s",
      ...hostile,
    ]);
    assert.equal(fs.existsSync(marker), false);
  });

  it("a failing command is an error that names it; unban without a command is a no-op", async () => {
    const a = new ExecAction({ jail: jail({ action: "exec", exec: { ban: ["/bin/false"] } }), log });
    await assert.rejects(
      a.ban("1.2.3.4", { jail: "sshd", bantime: 1, failures: 1 }),
      /\/bin\/false failed \(exit 1\)/,
    );
    await a.unban("1.2.3.4");
    await assert.rejects(
      new ExecAction({ jail: jail({ action: "exec", exec: { ban: ["/nonexistent/block"] } }), log }).ban(
        "1.2.3.4",
        { jail: "sshd", bantime: 1, failures: 1 },
      ),
      /not installed or not in PATH/,
    );
  });

  it("without an exec key the action says what to write", () => {
    assert.throws(() => new ExecAction({ jail: jail({ action: "exec" }), log }), /needs an "exec" key/);
  });
});

describe("hosts-deny action", () => {
  it("writes TCP wrappers lines between markers, leaves the user's lines alone, is idempotent", async () => {
    const file = path.join(tmp, "hosts.deny");
    fs.writeFileSync(file, "# my own rules\nALL: 192.0.2.1\n");
    const a = new HostsDenyAction({ jail: jail({ action: "hosts-deny", hosts_deny: file }), log });
    await a.start();
    const info = { jail: "sshd", bantime: 60, failures: 5 };
    await a.ban("1.2.3.4", info);
    await a.ban("1.2.3.4", info);
    await a.ban("2001:DB8::1", info);
    await a.ban("2001:db8:1:2::/64", info);
    await a.unban("9.9.9.9", { jail: "sshd" });
    assert.equal(
      fs.readFileSync(file, "utf8"),
      [
        "# my own rules",
        "ALL: 192.0.2.1",
        "# mamori jail sshd: begin (managed by mamori, do not edit between these lines)",
        "sshd: 1.2.3.4",
        "sshd: [2001:db8::1]",
        "sshd: [2001:db8:1:2::]/64",
        "# mamori jail sshd: end",
        "",
      ].join("\n"),
    );
    assert.deepEqual(await a.check(), { ok: true, banned: ["1.2.3.4", "2001:db8::1", "2001:db8:1:2::/64"] });
    await a.unban("1.2.3.4", { jail: "sshd" });
    await a.unban("2001:db8::1", { jail: "sshd" });
    await a.unban("2001:db8:1:2::/64", { jail: "sshd" });
    assert.equal(fs.readFileSync(file, "utf8"), "# my own rules\nALL: 192.0.2.1\n");
    assert.deepEqual(
      fs.readdirSync(tmp).filter((f) => f.includes(".tmp")),
      [],
      "no temp file left behind",
    );
  });

  it("concurrent bans from two jails on one file are all kept; daemon key and removeOnStop", async () => {
    const file = path.join(tmp, "shared.deny");
    const a = new HostsDenyAction({ jail: jail({ action: "hosts-deny", hosts_deny: file }), log });
    const b = new HostsDenyAction({
      jail: jail({
        name: "dovecot",
        filter: "dovecot",
        action: "hosts-deny",
        hosts_deny: file,
        daemon: "dovecot",
      }),
      log,
      removeOnStop: true,
    });
    const info = { jail: "x", bantime: 60, failures: 5 };
    await Promise.all(
      [1, 2, 3, 4, 5].flatMap((i) => [a.ban(`10.0.0.${i}`, info), b.ban(`10.0.1.${i}`, info)]),
    );
    const text = fs.readFileSync(file, "utf8");
    for (let i = 1; i <= 5; i++) {
      assert.match(text, new RegExp(`^sshd: 10\\.0\\.0\\.${i}$`, "m"));
      assert.match(text, new RegExp(`^dovecot: 10\\.0\\.1\\.${i}$`, "m"));
    }
    await b.stop();
    assert.doesNotMatch(fs.readFileSync(file, "utf8"), /dovecot/);
    assert.match(fs.readFileSync(file, "utf8"), /sshd: 10\.0\.0\.5/);
  });

  it("other jails default to ALL, as fail2ban's hostsdeny", async () => {
    const file = path.join(tmp, "all.deny");
    const a = new HostsDenyAction({
      jail: jail({ name: "postfix", filter: "postfix", action: "hosts-deny", hosts_deny: file }),
      log,
    });
    await a.ban("1.2.3.4", { jail: "postfix", bantime: 1, failures: 1 });
    assert.match(fs.readFileSync(file, "utf8"), /^ALL: 1\.2\.3\.4$/m);
  });
});
