import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { tempDir } from "../file/testing/file-source.js";
import { entryStream, fieldText, realtimeMs, syslogLine } from "./format.js";

process.env.TZ = "UTC"; // the syslog-shaped date is local time

const T = Date.UTC(2023, 10, 5, 8, 21, 45, 678);
const US = String(T * 1000 + 901);

test("fields: strings, byte arrays (binary or invalid UTF-8), repeated values, null", () => {
  const table: Array<[unknown, string | undefined]> = [
    ["text", "text"],
    [[104, 105, 0xff], "hi\ufffd"],
    [["a", "b"], "a b"],
    [null, undefined],
    [[], undefined],
    [42, "42"],
  ];
  for (const [v, want] of table) assert.equal(fieldText(v), want, JSON.stringify(v));
});

test("syslog-shaped messages, as fail2ban's systemd backend builds them", () => {
  const table: Array<[Record<string, unknown>, string, string]> = [
    [
      {
        _HOSTNAME: "web-1",
        SYSLOG_IDENTIFIER: "sshd",
        _PID: "4242",
        _SYSTEMD_UNIT: "ssh.service",
        MESSAGE: "Invalid user admin from 203.0.113.5 port 1",
      },
      "Nov  5 08:21:45 web-1 sshd[4242]: Invalid user admin from 203.0.113.5 port 1",
      "ssh.service",
    ],
    [
      { _HOSTNAME: "h", SYSLOG_IDENTIFIER: "sudo", SYSLOG_PID: "7", _PID: "8", MESSAGE: "x" },
      "Nov  5 08:21:45 h sudo[7]: x",
      "sudo",
    ],
    [{ _HOSTNAME: "h", _COMM: "cron", MESSAGE: [104, 105] }, "Nov  5 08:21:45 h cron: hi", "cron"],
    [
      { _HOSTNAME: "h", SYSLOG_IDENTIFIER: "kernel", __MONOTONIC_TIMESTAMP: "12345678", MESSAGE: "oops" },
      "Nov  5 08:21:45 h kernel: [   12.345678] oops",
      "kernel",
    ],
    [{ MESSAGE: "bare" }, "Nov  5 08:21:45 bare", "journal"],
  ];
  for (const [entry, line, stream] of table) {
    assert.equal(syslogLine(entry, T), line);
    assert.equal(entryStream(entry), stream);
  }
  assert.equal(realtimeMs({ __REALTIME_TIMESTAMP: US }), T);
  assert.equal(realtimeMs({ __REALTIME_TIMESTAMP: "soon" }), undefined);
});

const F2B_SSHD = "/etc/fail2ban/filter.d/sshd.conf";

test("fail2ban's sshd filter (fail2ban-regex) matches the journal lines we write", {
  skip:
    existsSync("/usr/bin/fail2ban-regex") && existsSync(F2B_SSHD)
      ? false
      : "fail2ban is not installed (scripts/install-test-deps.sh installs it)",
}, async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const messages = [
      "Failed password for invalid user admin from 203.0.113.5 port 50122 ssh2",
      "Invalid user oracle from 198.51.100.23 port 41234",
      "Connection closed by authenticating user root 192.0.2.144 port 5555 [preauth]",
      "Accepted publickey for alice from 10.0.0.1 port 2222 ssh2: ED25519 SHA256:abc",
    ];
    const lines = messages.map((m, i) =>
      syslogLine(
        { _HOSTNAME: "web-1", SYSLOG_IDENTIFIER: "sshd", _PID: String(100 + i), MESSAGE: m },
        T + i * 1000,
      ),
    );
    const file = path.join(dir, "journal.log");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const { stdout } = await promisify(execFile)("fail2ban-regex", [file, F2B_SSHD], { timeout: 60_000 });
    const m = /Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed/.exec(stdout);
    assert.ok(m, stdout);
    // every line is recognized (prefix and date); the two failures match, the two others are ignored (NOFAIL)
    assert.deepEqual(m.slice(1).map(Number), [4, 2, 2, 0]);
    assert.match(
      stdout,
      /\[4\] \{\^LN-BEG\}(?:\(\?:DAY \)\?)?MON Day/,
      "fail2ban read the date of all 4 lines",
    );
  } finally {
    await cleanup();
  }
});
