import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { parseConfig } from "../../config/load.js";
import { ConfigError, type ConfigProblem } from "../../core/errors.js";
import { deepChecks, fail2banImportStep } from "../../load-config.js";
import { type Fail2banTree, fail2banTree, PATHS_TEST, STOCK_DEFAULTS } from "./testing/tree.js";

const trees: Fail2banTree[] = [];
after(() => {
  for (const t of trees) t.remove();
});

const JAILS = `
[sshd]
enabled = true
port    = ssh
logpath = %(sshd_log)s
action = %(action_mw)s
`;

function tree(extra: Record<string, string> = {}): Fail2banTree {
  const t = fail2banTree({ "jail.conf": STOCK_DEFAULTS + JAILS, "paths-test.conf": PATHS_TEST, ...extra });
  trees.push(t);
  return t;
}

/** parseConfig of a mamori.yaml that lives in the tree's folder (fail2ban.path relative to it). */
function load(t: Fail2banTree, yaml: string) {
  const warnings: ConfigProblem[] = [];
  const file = path.join(t.dir, "mamori.yaml");
  const config = parseConfig(yaml, file, {
    steps: [fail2banImportStep],
    checks: deepChecks,
    onWarning: (p) => warnings.push(p),
  });
  return { config, warnings, file };
}

describe("fail2ban: {path} in mamori.yaml", () => {
  it("adds the enabled jails, their sources, the mail topic and the sender as smtp.from", () => {
    const t = tree();
    const { config } = load(t, "fail2ban: { path: . }\n");
    assert.deepEqual(
      config.jails.map((j) => [j.name, j.group, j.action, j.notify]),
      [["sshd", path.join(t.dir, "log/auth.log"), "iptables", ["fail2ban-mail"]]],
    );
    assert.deepEqual(
      config.sources.map((s) => [s.type, "group" in s && s.group]),
      [["file", path.join(t.dir, "log/auth.log")]],
    );
    assert.deepEqual(
      config.topics.map((t) => t.name),
      ["fail2ban-mail"],
    );
    assert.match(config.smtp?.from ?? "", /^root@/);
  });

  it("a jail of mamori.yaml wins over the fail2ban jail of the same name (with a warning at its name)", () => {
    const t = tree();
    const yaml = `fail2ban: { path: . }
jails:
  - name: sshd
    filter: sshd
    group: ssh-log
    action: nftables
`;
    const { config, warnings } = load(t, yaml);
    assert.deepEqual(
      config.jails.map((j) => [j.name, j.group, j.action]),
      [["sshd", "ssh-log", "nftables"]],
    );
    assert.deepEqual(config.sources, [], "the fail2ban jail's source is not read");
    assert.deepEqual(config.topics, []);
    const w = warnings.find((p) => p.message.includes("instead of the fail2ban jail [sshd]"));
    assert.deepEqual([w?.line, w?.col], [3, 11]);
  });

  it("a disabled jail of mamori.yaml turns the fail2ban jail off", () => {
    const t = tree();
    const { config } = load(
      t,
      "fail2ban: { path: . }\njails:\n  - { name: sshd, enabled: false, filter: sshd, group: g }\n",
    );
    assert.deepEqual(
      config.jails.map((j) => [j.name, j.enabled]),
      [["sshd", false]],
    );
    assert.deepEqual(config.sources, []);
  });

  it("reuses a source of mamori.yaml that reads the same file, and a topic of the same name", () => {
    const t = tree();
    const yaml = `fail2ban: { path: . }
sources:
  - type: file
    path: ${path.join(t.dir, "log/auth.log")}
    group: auth
topics:
  - name: fail2ban-mail
    subscriptions: [{ type: webhook, url: "http://127.0.0.1:9/hook" }]
`;
    const { config } = load(t, yaml);
    assert.equal(config.sources.length, 1);
    assert.equal(config.jails[0].group, "auth");
    assert.deepEqual(
      config.topics.map((x) => [x.name, x.subscriptions[0].type]),
      [["fail2ban-mail", "webhook"]],
    );
  });

  it("an imported jail that cannot work fails the config with its place in the jail file", () => {
    const t = tree({ "jail.local": "[my-app]\nenabled = true\nfilter = no-such-filter\nlogpath = /x.log\n" });
    assert.throws(
      () => load(t, "fail2ban: { path: . }\n"),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.problems.map((p) => [p.file, p.line, p.col]),
          [[path.join(t.dir, "jail.local"), 3, 1]],
        );
        assert.match(err.problems[0].message, /jail \[my-app\]: filter "no-such-filter" not found/);
        return true;
      },
    );
  });

  it("a fail2ban.path without jail.conf is an error at that key", () => {
    const t = tree();
    assert.throws(
      () => load(t, "data_dir: ./data\nfail2ban:\n  path: ./nowhere\n"),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.length === 1 &&
        err.problems[0].line === 3 &&
        /no jail\.conf or jail\.local in .*nowhere/.test(err.problems[0].message),
    );
  });
});
