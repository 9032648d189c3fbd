import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../core/errors.js";
import { runCli } from "../testing/cli.js";
import { builtinDefaultConfig } from "./defaults.js";
import { parseConfig } from "./load.js";
import { problemsOf } from "./testing/problems.js";

describe("parseConfig: each kind of mistake is reported at its place with a fix", () => {
  const rows: Array<{ name: string; text: string; want: RegExp }> = [
    {
      name: "unknown key, with a suggestion",
      text: "sources:\n  - type: file\n    path: /x\n    group: g\n    strat_position: start_of_file\n",
      want: /^5:5: unknown key "strat_position" in sources\[0\]; did you mean "start_position"\?$/,
    },
    {
      name: "unknown top-level key",
      text: "data_dri: ./d\n",
      want: /^1:1: unknown key "data_dri"; did you mean "data_dir"\?$/,
    },
    {
      name: "wrong type",
      text: "jails:\n  - name: sshd\n    filter: sshd\n    group: g\n    maxretry: five\n",
      want: /^5:15: "maxretry" must be a number, not the string "five"$/,
    },
    {
      name: "bad duration",
      text: "jails:\n  - name: sshd\n    filter: sshd\n    group: g\n    findtime: 10 minutes please\n",
      want: /^5:15: "findtime": .*duration.*10m/,
    },
    {
      name: "YAML syntax error",
      text: "sources:\n  - type: file\n   path: [a\n",
      want: /^\d+:\d+: YAML syntax error: /,
    },
    {
      name: "enum value",
      text: "jails:\n  - name: sshd\n    filter: sshd\n    group: g\n    action: firewalld\n",
      want: /^5:13: "action" must be one of "nftables", "ipset", "iptables", "hosts-deny", "dry-run", "exec", not the string "firewalld"$/,
    },
    {
      name: "unknown topic reference",
      text: "topics:\n  - name: security\nalarms:\n  - name: a\n    metric: {namespace: N, name: M}\n    statistic: Sum\n    period: 60\n    evaluation_periods: 1\n    threshold: 1\n    comparison: GreaterThanThreshold\n    actions: {alarm: [secuirty]}\n",
      want: /^11:23: unknown topic "secuirty"; known topics: security$/,
    },
    {
      name: "unset environment variable",
      text: 'topics:\n  - name: t\n    subscriptions:\n      - {type: slack, url: "${SLACK_URL}"}\n',
      want: /^4:28: environment variable SLACK_URL is not set; export SLACK_URL=/,
    },
    {
      name: "period not allowed by CloudWatch",
      text: "alarms:\n  - name: a\n    metric: {namespace: N, name: M}\n    statistic: Sum\n    period: 45\n    evaluation_periods: 1\n    threshold: 1\n    comparison: GreaterThanThreshold\n",
      want: /^5:13: "period": period must be 10, 30 or a multiple of 60 seconds$/,
    },
    {
      name: "M greater than N",
      text: "alarms:\n  - name: a\n    metric: {namespace: N, name: M}\n    statistic: Sum\n    period: 60\n    evaluation_periods: 1\n    datapoints_to_alarm: 2\n    threshold: 1\n    comparison: GreaterThanThreshold\n",
      want: /^7:26: .*datapoints_to_alarm \(2\) must not exceed evaluation_periods \(1\)$/,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const problems = problemsOf(row.text);
      assert.ok(
        problems.some((p) => row.want.test(p)),
        `got:\n${problems.join("\n")}`,
      );
    });
  }

  it("reports every problem at once, in file order", () => {
    const problems = problemsOf(
      "data_dri: x\njails:\n  - name: s\n    filter: f\n    group: g\n    maxretry: x\n",
    );
    assert.equal(problems.length, 2);
    assert.match(problems[0], /^1:1: /);
    assert.match(problems[1], /^6:15: /);
  });
});

describe("parseConfig: valid configs", () => {
  it("applies defaults and turns durations into seconds", () => {
    const c = parseConfig(
      "jails:\n  - name: sshd\n    filter: sshd\n    group: /var/log/secure\n    bantime: 1h\n    findtime: 600\n",
      "m.yaml",
    );
    assert.equal(c.data_dir, path.resolve("data"), "relative to the config file's folder");
    assert.equal(c.jails[0].bantime, 3600);
    assert.equal(c.jails[0].findtime, 600);
    assert.equal(c.jails[0].maxretry, 5);
    assert.equal(c.jails[0].action, "dry-run");
  });

  it("substitutes ${NAME} and ${NAME:-default} from the environment", () => {
    const text =
      'topics:\n  - name: t\n    subscriptions:\n      - {type: webhook, url: "${HOOK:-http://127.0.0.1:9/x}", secret: "${SECRET}"}\n';
    const c = parseConfig(text, "m.yaml", { env: { SECRET: "s3" } });
    const sub = c.topics[0].subscriptions[0];
    assert.equal(sub.type, "webhook");
    assert.deepEqual(sub.type === "webhook" ? [sub.url, sub.secret] : [], ["http://127.0.0.1:9/x", "s3"]);
  });

  it("builds the built-in default from whichever auth log exists", () => {
    const onSecure = builtinDefaultConfig({ exists: (p) => p === "/var/log/secure", hasJournal: () => true });
    assert.deepEqual(
      onSecure.sources.map((s) => [s.type, "group" in s ? s.group : undefined]),
      [["file", "/var/log/secure"]],
    );
    assert.equal(onSecure.jails[0].action, "dry-run");
    const onJournal = builtinDefaultConfig({ exists: () => false, hasJournal: () => true });
    assert.equal(onJournal.sources[0].type, "journald");
    assert.equal(onJournal.jails[0].group, "journal/ssh");
    // neither: wait for either auth log file instead of restarting a journald reader that cannot work
    const onNothing = builtinDefaultConfig({ exists: () => false, hasJournal: () => false });
    assert.deepEqual(
      onNothing.sources.map((s) => [s.type, s.type === "file" ? s.path : undefined]),
      [["file", ["/var/log/auth.log", "/var/log/secure"]]],
    );
    const waitingSource = onNothing.sources[0];
    assert.equal(onNothing.jails[0].group, waitingSource.type === "file" ? waitingSource.group : "");
  });
});

describe("mamori config check", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-cfg-"));
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  it("exits 2 with FILE:LINE:COL lines for an invalid file", async () => {
    const f = write("bad.yaml", "sources:\n  - type: file\n    path: /x\n    group: g\n    colour: red\n");
    const r = await runCli(["config", "check", "--config", f]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.startsWith(`${f}:5:5: unknown key "colour" in sources[0]; known keys: `), r.stderr);
    assert.match(r.stderr, /known keys: type, id, path/);
  });

  it("exits 2 for a YAML syntax error and for a missing file", async () => {
    const f = write("syntax.yaml", "jails: [\n");
    const r = await runCli(["config", "check", "--config", f]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: YAML syntax error`),
    );
    const missing = await runCli(["config", "check", "--config", path.join(dir, "nope.yaml")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml:1:1: cannot read the config: file not found/);
  });

  it("exits 2 when two sources bind one port, at the second one's listen:", async () => {
    const f = write(
      "ports.yaml",
      [
        "sources:",
        "  - { type: http, listen: '127.0.0.1:8514', tokens: [t] }",
        "  - { type: syslog, listen: 'tcp://127.0.0.1:8514', group: s }",
        "",
      ].join("\n"),
    );
    const r = await runCli(["config", "check", "--config", f]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      `${f}:3:29: tcp port 8514 is already bound by sources[0] (http 127.0.0.1:8514); give each source its own port\n`,
    );
  });

  it("exits 0 with a one-line summary for a valid file", async () => {
    const f = write("ok.yaml", "sources:\n  - type: file\n    path: /var/log/x.log\n    group: x\n");
    const r = await runCli(["config", "check", "--config", f]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: ok \(1 sources, 0 metric filters, 0 alarms, 0 topics, 0 jails\)\n$/);
  });
});

describe("sources that bind ports", () => {
  const cases: Array<{ what: string; listens: string[]; conflict: boolean }> = [
    {
      what: "http and tcp syslog on one port",
      listens: ["http 127.0.0.1:9000", "syslog tcp://127.0.0.1:9000"],
      conflict: true,
    },
    {
      what: "tls syslog is TCP too",
      listens: ["http 127.0.0.1:9000", "syslog tls://127.0.0.1:9000"],
      conflict: true,
    },
    {
      what: "UDP and TCP on one port number",
      listens: ["syslog udp://127.0.0.1:9000", "syslog tcp://127.0.0.1:9000"],
      conflict: false,
    },
    {
      what: "a wildcard host and a specific one",
      listens: ["syslog udp://0.0.0.0:9000", "syslog udp://127.0.0.1:9000"],
      conflict: true,
    },
    { what: "two hosts", listens: ["http 127.0.0.1:9000", "http 127.0.0.2:9000"], conflict: false },
    { what: "port 0 (any free port)", listens: ["http 127.0.0.1:0", "http 127.0.0.1:0"], conflict: false },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.conflict ? "refused" : "fine"}`, () => {
      const sources = c.listens.map((l) => {
        const [type, listen] = l.split(" ");
        return type === "http"
          ? `  - { type: http, listen: '${listen}', tokens: [t] }`
          : `  - { type: syslog, listen: '${listen}', group: s }`;
      });
      const run = () => parseConfig(`sources:\n${sources.join("\n")}\n`, "m.yaml");
      if (c.conflict) assert.throws(run, /is already bound by sources\[0\]/);
      else assert.doesNotThrow(run);
    });
  }
});

describe("deep checks", () => {
  it("a bad metric filter pattern is reported at its place with the pattern position", async () => {
    const { deepChecks } = await import("../load-config.js");
    const text =
      "metric_filters:\n  - name: f\n    group: g\n    pattern: '[ip, user'\n    metric: {namespace: N, name: M}\n";
    try {
      parseConfig(text, "m.yaml", { checks: deepChecks });
      assert.fail("expected a ConfigError");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 1);
      assert.match(
        `${err.problems[0].line}:${err.problems[0].col}: ${err.problems[0].message}`,
        /^4:14: invalid filter pattern at 1:10 of the pattern: expected ',' or ']'/,
      );
    }
  });
});

describe("${...} that is not an environment variable", () => {
  it("leaves a VPC flow-log format with lower-case fields as written", () => {
    const format = "${version} ${account-id} ${interface-id} ${srcaddr}";
    const c = parseConfig(
      `sources:\n  - type: vpc-flow\n    path: /x/*.log.gz\n    group: vpc\n    format: "${format}"\n`,
      "m.yaml",
      { env: { version: "nope" } },
    );
    const src = c.sources[0];
    assert.equal(src.type === "vpc-flow" ? src.format : undefined, format);
  });
});
