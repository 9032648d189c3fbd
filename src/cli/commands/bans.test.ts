import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { runCli } from "../../testing/cli.js";

let dir: string;
let config: string;
let deny: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-cli-bans-"));
  deny = path.join(dir, "hosts.deny");
  config = path.join(dir, "mamori.yaml");
  fs.writeFileSync(
    config,
    [
      `data_dir: ${path.join(dir, "data")}`,
      "filter_dirs: [/etc/fail2ban/filter.d]",
      "jails:",
      "  - { name: sshd, filter: sshd, group: auth, action: hosts-deny, hosts_deny: hosts.deny, bantime: 1h }",
      "  - { name: web, filter: sshd, group: web, action: dry-run, enabled: false }",
      "  - { name: bare, filter: sshd, group: bare, action: dry-run, ignoreip: [], enabled: false }",
      "  - { name: stuck, filter: sshd, group: stuck, action: exec, enabled: false, exec: { ban: [/bin/true], unban: [/bin/false] } }",
      "",
    ].join("\n"),
  );
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("mamori bans / jails status", () => {
  it("bans add records the ban and applies the jail's action; list shows it", async () => {
    const add = await runCli(["bans", "add", "sshd", "203.0.113.7", "--config", config]);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /banned 203\.0\.113\.7 in sshd for 3600 s \(action hosts-deny\)/);
    assert.match(fs.readFileSync(deny, "utf8"), /^sshd: 203\.0\.113\.7$/m);
    const forever = await runCli([
      "bans",
      "add",
      "sshd",
      "2001:DB8::1",
      "--bantime",
      "-1",
      "--config",
      config,
    ]);
    assert.equal(forever.code, 0, forever.stderr);

    const list = await runCli(["bans", "list", "--json", "--config", config]);
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      rows.map((r) => [
        r.jail,
        r.ip,
        r.end === null,
        r.remainingSeconds === null || r.remainingSeconds > 3500,
      ]),
      [
        ["sshd", "203.0.113.7", false, true],
        ["sshd", "2001:db8::1", true, true],
      ],
    );
    const text = await runCli(["bans", "list", "--jail", "sshd", "--config", config]);
    assert.match(text.stdout, /^sshd\s+2001:db8::1\s+active\s+\S+\s+forever\s+0$/m);
  });

  it("jails status shows counters like fail2ban-client", async () => {
    const store = openSqliteStore(path.join(dir, "data"));
    await store.bans.putJailStats({ jail: "sshd", currentlyFailed: 2, totalFailed: 17, updatedAt: 1 });
    await store.close();
    const one = await runCli(["jails", "status", "sshd", "--config", config]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(
      one.stdout,
      [
        "Status for the jail: sshd",
        "|- Filter",
        "|  |- Currently failed:\t2",
        "|  |- Total failed:\t17",
        "|  `- Log group:\tauth",
        "`- Actions",
        "   |- Currently banned:\t2",
        "   |- Total banned:\t2",
        "   `- Banned IP list:\t203.0.113.7 2001:db8::1",
        "",
      ].join("\n"),
    );
    const all = await runCli(["jails", "status", "--config", config]);
    assert.equal(all.stdout, "Status\n|- Number of jail:\t1\n`- Jail list:\tsshd\n");
    const json = await runCli(["jails", "status", "sshd", "--json", "--config", config]);
    assert.deepEqual(
      (({ currentlyFailed, totalFailed, currentlyBanned, totalBanned }) => ({
        currentlyFailed,
        totalFailed,
        currentlyBanned,
        totalBanned,
      }))(JSON.parse(json.stdout)),
      { currentlyFailed: 2, totalFailed: 17, currentlyBanned: 2, totalBanned: 2 },
    );
  });

  it("bans del lifts the ban from the store and the action; deleting again is not an error", async () => {
    const del = await runCli(["bans", "del", "sshd", "203.0.113.7", "--config", config]);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /unbanned 203\.0\.113\.7 in sshd/);
    assert.doesNotMatch(fs.readFileSync(deny, "utf8"), /203\.0\.113\.7/);
    const again = await runCli(["bans", "del", "sshd", "203.0.113.7", "--config", config]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /was not banned/);
  });

  it("usage errors exit 2 and say what to do", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["bans", "add", "sshd", "1.2.3.4;reboot"], /not an IP address or CIDR/],
      [["bans", "add", "nope", "1.2.3.4"], /no jail "nope" in the config; jails: sshd, web, bare, stuck/],
      [["bans", "add", "sshd", "1.2.3.4", "--bantime", "soon"], /--bantime: "soon" is not a duration/],
      [["jails", "status", "nope"], /no jail "nope"/],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli([...args, "--config", config]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
    assert.doesNotMatch(fs.readFileSync(deny, "utf8"), /reboot/);
  });

  it("bans add obeys the jail's guards: exit 2 with the reason, nothing recorded or applied", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["sshd", "0.0.0.0/0"], /0\.0\.0\.0\/0 is wider than \/8.*--force/],
      [["sshd", "::/0"], /::\/0 is wider than \/32/],
      [["sshd", "0.0.0.0"], /unspecified address/],
      [["sshd", "255.255.255.255"], /broadcast address/],
      [["sshd", "224.0.0.251"], /multicast address/],
      [["sshd", "127.0.0.1"], /127\.0\.0\.1 is in the jail's ignoreip/],
      [["sshd", "::1"], /::1 is in the jail's ignoreip/],
      [["sshd", "127.0.0.0/24"], /covers an address in the jail's ignoreip/],
      [["sshd", "0.0.0.0/0", "--force"], /covers an address in the jail's ignoreip/],
      [["bare", "127.0.0.1"], /ignoreself/],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(["bans", "add", ...args, "--config", config]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /refusing to ban in jail/);
      assert.match(r.stderr, msg, args.join(" "));
    }
    const forced = await runCli(["bans", "add", "bare", "10.0.0.0/7", "--force", "--config", config]);
    assert.equal(forced.code, 0, forced.stderr);
    const list = await runCli(["bans", "list", "--json", "--config", config]);
    const ips = list.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).ip);
    assert.deepEqual(
      ips.filter((ip) => /^(0\.|::|127\.|255\.|224\.)/.test(ip)),
      [],
    );
    assert.ok(ips.includes("10.0.0.0/7"));
    assert.doesNotMatch(fs.readFileSync(deny, "utf8"), /127\.0\.0|0\.0\.0\.0/);
  });

  it("bans del whose unban fails keeps the ban as pending-unban, shown by bans list", async () => {
    const add = await runCli(["bans", "add", "stuck", "198.51.100.20", "--config", config]);
    assert.equal(add.code, 0, add.stderr);
    const del = await runCli(["bans", "del", "stuck", "198.51.100.20", "--config", config]);
    assert.equal(del.code, 1);
    assert.match(del.stderr, /the exec action failed to lift 198\.51\.100\.20/);
    assert.match(del.stderr, /recorded as pending-unban.*a running mamori retries the unban/);
    const text = await runCli(["bans", "list", "--jail", "stuck", "--config", config]);
    assert.match(text.stdout, /^JAIL\s+IP\s+STATE\s+SINCE/m);
    assert.match(text.stdout, /^stuck\s+198\.51\.100\.20\s+pending-unban\s+/m);
    const json = await runCli(["bans", "list", "--json", "--jail", "stuck", "--config", config]);
    assert.deepEqual(
      json.stdout
        .trim()
        .split("\n")
        .map((l) => {
          const r = JSON.parse(l);
          return [r.ip, r.state];
        }),
      [["198.51.100.20", "pending-unban"]],
    );
    const store = openSqliteStore(path.join(dir, "data"));
    const rows = await store.bans.active("stuck");
    await store.close();
    assert.deepEqual(
      rows.map((r) => [r.ip, r.state]),
      [["198.51.100.20", "pending-unban"]],
    );
  });
});
