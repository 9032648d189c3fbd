/**
 * Every example config passes `config check` (schema, cross-references, deep checks), and each metric
 * filter in it matches the lines of its scenario and not the others.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { formatVpcFlowRecord, VPC_CUSTOM_29_FIELDS } from "../bench/gen/vpc-flow.js";
import { loadConfig } from "../src/load-config.js";
import { compileMetricFilters } from "../src/metrics/filters.js";
import { repoRoot } from "../src/testing/cli.js";

const examplesDir = path.join(repoRoot, "examples");
/** the variables the examples require (secrets are never in the files) */
const env = {
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/XXXX",
  EXFIL_WEBHOOK_SECRET: "s3cret",
};

const load = (name: string) => loadConfig(path.join(examplesDir, name), { env, deep: true }).config;

/** metric name → values of the lines that produce a point */
function points(name: string, lines: string[]): Record<string, number[]> {
  const config = load(name);
  const set = compileMetricFilters(config.metric_filters);
  const group = config.metric_filters[0].group;
  const out: Record<string, number[]> = {};
  const ps = set.extract(
    lines.map((message, i) => ({ group, stream: "s", timestamp: i * 60_000 + 1, ingestTime: 0, message })),
  );
  for (const p of ps) {
    if (p.timestamp % 60_000 === 0) continue; // a `default` point (at the minute's start), not a match
    out[p.name] = [...(out[p.name] ?? []), p.value];
  }
  return out;
}

describe("examples/", () => {
  const files = fs.readdirSync(examplesDir).filter((f) => f.endsWith(".yaml"));
  it("has the five scenarios", () => {
    for (const f of [
      "ssh-preauth.yaml",
      "http-5xx.yaml",
      "sudo.yaml",
      "vpc-exfiltration.yaml",
      "console-login-slack.yaml",
    ])
      assert.ok(files.includes(f), f);
  });
  for (const f of files) {
    it(`${f} passes config check`, () => {
      const config = load(f);
      assert.ok(config.alarms.length > 0 && config.topics.length > 0);
    });
  }

  it("ssh-preauth: the [preauth] line counts, others do not", () => {
    assert.deepEqual(
      points("ssh-preauth.yaml", [
        "Nov 25 08:21:45 ip-10-0-0-169 sshd[24078]: Connection closed by 10.0.0.167 [preauth]",
        "Nov 25 08:21:50 ip-10-0-0-169 sshd[24080]: Accepted publickey for ubuntu from 10.0.0.5 port 50022 ssh2",
      ]),
      { SshPreauth: [1] },
    );
  });

  it("fim-etc-ssh: an unexplained change under /etc/ssh counts; the baseline, upgrades and maintenance do not", () => {
    const e = (o: object) => JSON.stringify({ change: "modified", host: "h", ...o });
    assert.deepEqual(
      points("fim-etc-ssh.yaml", [
        e({ path: "/etc/ssh/sshd_config", unexplained: "no package explains this change" }),
        e({ path: "/etc/ssh", change: "baseline", files: 12 }),
        e({ path: "/etc/ssh/moduli", package: "openssh-server 1:9.2p1-2+deb12u3" }),
        e({ path: "/etc/ssh/ssh_config", maintenance: true }),
        e({ path: "/etc/sshd_config.bak" }),
      ]),
      { SshConfigChanged: [1] },
    );
  });

  it("http-5xx: 5xx lines count (and their bytes), 2xx do not", () => {
    const line = (status: number, bytes: number) =>
      `127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" ${status} ${bytes} "-" "curl/8.0"`;
    assert.deepEqual(points("http-5xx.yaml", [line(503, 1534), line(200, 99), line(500, 20)]), {
      Http5xx: [1, 1],
      Http5xxBytes: [1534, 20],
    });
  });

  it("sudo: commands and failures", () => {
    assert.deepEqual(
      points("sudo.yaml", [
        "Nov 25 08:30:01 host sudo:   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
        "Nov 25 08:30:09 host sudo: pam_unix(sudo:auth): authentication failure; logname=bob uid=1001 euid=0 tty=/dev/pts/1 ruser=bob rhost=  user=bob",
        "Nov 25 08:30:12 host sudo:     bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/sh",
        "Nov 25 08:30:15 host sudo:    carol : user NOT in sudoers ; TTY=pts/2 ; PWD=/home/carol ; USER=root ; COMMAND=/bin/bash",
        "Nov 25 08:30:20 host sshd[1]: Accepted publickey for alice",
      ]),
      { SudoCommands: [1, 1, 1], SudoFailures: [1, 1, 1] },
    );
  });

  it("vpc-exfiltration: large egress to a non-allow-listed address only", () => {
    const flow = (over: Record<string, string>) =>
      formatVpcFlowRecord(
        {
          "account-id": "123456789012",
          action: "ACCEPT",
          "az-id": "use1-az1",
          bytes: "200000",
          dstaddr: "198.51.100.7",
          dstport: "443",
          end: "1700899260",
          "flow-direction": "egress",
          version: "5",
          ...over,
        },
        VPC_CUSTOM_29_FIELDS,
      );
    assert.deepEqual(
      points("vpc-exfiltration.yaml", [
        flow({}),
        flow({ dstaddr: "123.123.123.123" }),
        flow({ dstaddr: "210.210.210.210" }),
        flow({ bytes: "99999" }),
        flow({ "flow-direction": "ingress" }),
      ]),
      { LargeEgress: [1] },
    );
  });

  it("bans-alarm: ban events in mamori/bans count, unbans do not", () => {
    const event = (action: string, extra = {}) =>
      JSON.stringify({
        jail: "sshd",
        ip: "203.0.113.9",
        action,
        failures: 5,
        bantime: 3600,
        host: "h",
        ...extra,
      });
    assert.equal(load("bans-alarm.yaml").metric_filters[0].group, "mamori/bans");
    assert.deepEqual(points("bans-alarm.yaml", [event("ban"), event("unban", { reason: "expired" })]), {
      Bans: [1],
    });
  });

  it("console-login-slack: a successful sign-in from an unknown address only", () => {
    const rec = (ip: string, result: string) =>
      JSON.stringify({
        eventName: "ConsoleLogin",
        sourceIPAddress: ip,
        responseElements: { ConsoleLogin: result },
      });
    assert.deepEqual(
      points("console-login-slack.yaml", [
        rec("198.51.100.7", "Success"),
        rec("203.0.113.10", "Success"),
        rec("198.51.100.7", "Failure"),
      ]),
      { ConsoleLoginUnknownIp: [1] },
    );
  });
});
