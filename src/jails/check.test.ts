import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import { parseConfig } from "../config/load.js";
import { ConfigError } from "../core/errors.js";
import { jailChecks } from "./check.js";

const skip = fs.existsSync("/etc/fail2ban/filter.d/sshd.conf")
  ? false
  : "Debian's fail2ban package is not installed";

function problems(jails: string): string[] {
  try {
    parseConfig(`filter_dirs: [/etc/fail2ban/filter.d]\njails:\n${jails}`, "/tmp/m.yaml", {
      checks: [jailChecks],
    });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
    throw err;
  }
}

describe("config check for jails", { skip }, () => {
  const cases: Array<[string, string, RegExp | undefined]> = [
    ["a good jail", "  - { name: sshd, filter: sshd, group: auth, action: nftables, port: ssh }", undefined],
    [
      "a filter that does not exist",
      "  - { name: x, filter: nosuchfilter, group: auth }",
      /^3:24: filter "nosuchfilter" cannot be used: .*not found/,
    ],
    [
      "an unknown port name",
      "  - { name: x, filter: sshd, group: auth, port: 'ssh,nosuch' }",
      /^3:49: port "nosuch" is not a known service name/,
    ],
    [
      "more ports than multiport takes",
      `  - { name: x, filter: sshd, group: auth, action: iptables, port: "${Array.from({ length: 16 }, (_, i) => i + 1).join(",")}" }`,
      /at most 15 ports/,
    ],
    [
      "a hosts-deny file in a folder that does not exist",
      "  - { name: x, filter: sshd, group: auth, action: hosts-deny, hosts_deny: /nonexistent-dir/hosts.deny }",
      /^3:75: the folder of \/nonexistent-dir\/hosts\.deny \(\/nonexistent-dir\) does not exist; create it/,
    ],
    [
      "a hosts-deny file relative to the config's folder that exists",
      "  - { name: x, filter: sshd, group: auth, action: hosts-deny, hosts_deny: hosts.deny }",
      undefined,
    ],
    [
      "a disabled jail is not loaded",
      "  - { name: x, filter: nosuchfilter, group: auth, enabled: false }",
      undefined,
    ],
  ];
  for (const [name, jail, want] of cases) {
    it(name, () => {
      const got = problems(`${jail}\n`);
      if (!want) assert.deepEqual(got, []);
      else assert.match(got.join("\n"), want);
    });
  }
});
