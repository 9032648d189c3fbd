import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { runCli } from "../testing/cli.js";
import { fileLines } from "./replay.js";

describe("mamori replay", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-replay-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("bans and alarms at the times they would have happened live, touching nothing", async () => {
    const log = path.join(dir, "auth.log");
    const year = new Date().getFullYear();
    // a month in the past relative to any run date in this year would be ambiguous across New Year: use full ISO dates
    const t = (min: number, sec: number) =>
      `${year - 1}-03-10T10:${String(min).padStart(2, "0")}:${String(sec).padStart(2, "0")}Z`;
    fs.writeFileSync(
      log,
      [
        `${t(0, 1)} web sshd[1]: Accepted publickey for admin from 192.0.2.1 port 50000 ssh2`,
        `${t(0, 5)} web sshd[2]: Failed password for root from 198.51.100.7 port 40000 ssh2`,
        `${t(0, 9)} web sshd[2]: Failed password for root from 198.51.100.7 port 40000 ssh2`,
        `${t(1, 2)} web sshd[3]: Connection closed by 198.51.100.8 port 41000 [preauth]`,
        `${t(1, 20)} web sshd[2]: Failed password for root from 198.51.100.7 port 40000 ssh2`,
        `${t(5, 0)} web sshd[9]: Accepted publickey for admin from 192.0.2.1 port 50001 ssh2`,
      ].join("\n"),
    );
    const config = path.join(dir, "mamori.yaml");
    fs.writeFileSync(
      config,
      `data_dir: ${path.join(dir, "live-data")}
sources:
  - { type: file, path: /var/log/auth.log, group: auth }
metric_filters:
  - name: preauth
    group: auth
    pattern: '"[preauth]"'
    metric: { namespace: Security, name: SshPreauth, value: "1" }
alarms:
  - name: ssh-preauth
    metric: { namespace: Security, name: SshPreauth }
    statistic: Sum
    period: 60
    evaluation_periods: 1
    threshold: 1
    comparison: GreaterThanOrEqualToThreshold
    treat_missing_data: notBreaching
jails:
  - { name: sshd, filter: sshd, group: auth, maxretry: 3, findtime: 10m, bantime: 1h, action: nftables }
`,
    );
    const out = path.join(dir, "replay-data");
    const r = await runCli(
      ["replay", log, "--config", config, "--group", "auth", "--data-dir", out, "--json"],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.lines, 6);
    assert.equal(s.events, 6);
    assert.ok(s.linesPerSecond > 0 && s.elapsedMs > 0, "the summary gives the replay's speed");
    assert.deepEqual(
      s.bans.map((b: { jail: string; ip: string; start: number; end: number; failures: number }) => [
        b.jail,
        b.ip,
        new Date(b.start).toISOString(),
        b.end - b.start,
        b.failures,
      ]),
      [["sshd", "198.51.100.7", new Date(t(1, 20)).toISOString(), 3_600_000, 3]],
      "banned at the third failure's time, for the bantime, on the dry-run action (nftables untouched)",
    );
    const alarm = s.alarms.find((a: { summary: string }) => /to ALARM/.test(a.summary));
    assert.ok(alarm, JSON.stringify(s.alarms));
    const at = alarm.time - Date.parse(t(1, 0));
    assert.ok(
      at >= 0 && at < 2 * 60_000,
      `the alarm fires in the minute of the [preauth] line or at its close, got +${at} ms`,
    );
    assert.equal(
      fs.existsSync(path.join(dir, "live-data")),
      false,
      "the config's own data_dir is not touched",
    );
    const events = await runCli(["logs", "filter", "auth", "--data-dir", out, "--json"]);
    assert.equal(events.stdout.trim().split("\n").length, 6);
  });

  it("prints how many lines a second it replayed", async () => {
    const log = path.join(dir, "speed.log");
    fs.writeFileSync(
      log,
      "2025-03-10T10:00:00Z web sshd[1]: Connection closed by 192.0.2.1 port 1 [preauth]\n",
    );
    const config = path.join(dir, "speed.yaml");
    fs.writeFileSync(config, "sources:\n  - { type: file, path: /var/log/auth.log, group: auth }\n");
    const r = await runCli(["replay", log, "--config", config, "--data-dir", path.join(dir, "speed-data")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^replayed 1 lines \(1 events, .*\) in \d+\.\d\d s, \d+ lines\/s; data in /m);
  });

  // what readline gave before: "\n" and "\r\n" ends, a last line without an end, empty lines kept
  const LINES: { name: string; text: string | Buffer; want: string[] }[] = [
    { name: "lines ending in \\n", text: "a\nbb\n", want: ["a", "bb"] },
    { name: "a last line without \\n", text: "a\nbb", want: ["a", "bb"] },
    { name: "\\r\\n ends", text: "a\r\nbb\r\n", want: ["a", "bb"] },
    { name: "empty lines", text: "\n\na\n\n", want: ["", "", "a", ""] },
    { name: "an empty file", text: "", want: [] },
    { name: "UTF-8 across lines", text: "é\n日本\n", want: ["é", "日本"] },
    {
      name: "invalid UTF-8 and a control byte",
      text: Buffer.from([0x61, 0xff, 0x0a, 0xc3, 0x0a, 0x01, 0x62, 0x0a]),
      want: ["a\ufffd", "\ufffd", "\u0001b"],
    },
    {
      // the first read is ASCII only (cut without UTF-8 decoding), the second is not
      name: "an ASCII read, then one with UTF-8",
      text: `${"a\n".repeat(600_000)}é\n`,
      want: [...Array(600_000).fill("a"), "é"],
    },
    {
      name: "lines across 1 MiB reads",
      text: `${"x".repeat(700_000)}\n${"y".repeat(700_000)}\nz\n`,
      want: ["x".repeat(700_000), "y".repeat(700_000), "z"],
    },
  ];
  for (const c of LINES) {
    it(`reads files line by line: ${c.name}`, async () => {
      const file = path.join(dir, "lines.txt");
      fs.writeFileSync(file, c.text);
      const got: string[] = [];
      for await (const lines of fileLines(file)) got.push(...lines);
      assert.deepEqual(got, c.want);
    });
  }

  it("asks for --group when it cannot tell the group", async () => {
    const config = path.join(dir, "two.yaml");
    fs.writeFileSync(
      config,
      "sources:\n  - { type: file, path: /a.log, group: a }\n  - { type: file, path: /b.log, group: b }\n",
    );
    const log = path.join(dir, "other.log");
    fs.writeFileSync(log, "x\n");
    const r = await runCli(["replay", log, "--config", config]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pass --group GROUP \(one of: a, b\)/);
  });
});
