/**
 * mamori's own sshd filter (filters/sshd.conf), the fallback when fail2ban's filter.d has no such filter:
 * the OpenSSH failure lines a jail must count (with the right address and user), the normal lines it must
 * not, and the lookup order (filter_dirs first, mamori's own directory last).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { BUILTIN_FILTER_DIR } from "../filter-reader.js";
import { loadJailFilter } from "./index.js";
import { runRegex } from "./regex-run.js";

const NOW = Date.UTC(2024, 10, 25, 12, 0, 0);
const now = () => NOW;
const empty = mkdtempSync(path.join(tmpdir(), "mamori-empty-filter-d-"));
after(() => rmSync(empty, { recursive: true, force: true }));

/** Message after "sshd[PID]: " → [address, user]; undefined: not a failure. */
const MESSAGES: [message: string, want: [string, string] | undefined][] = [
  ["Failed password for root from 203.0.113.5 port 52022 ssh2", ["203.0.113.5", "root"]],
  ["Failed password for invalid user admin from 203.0.113.5 port 52022 ssh2", ["203.0.113.5", "admin"]],
  ["Failed password for invalid user  from 203.0.113.5 port 52022 ssh2", ["203.0.113.5", ""]],
  [
    "Failed keyboard-interactive/pam for invalid user oracle from 2001:db8::1 port 4242 ssh2",
    ["2001:db8::1", "oracle"],
  ],
  ["Failed none for invalid user test from 198.51.100.23 port 50000 ssh2", ["198.51.100.23", "test"]],
  [
    "Failed password for invalid user x from 1.2.3.4 from 5.6.7.8 port 22 ssh2",
    ["5.6.7.8", "x from 1.2.3.4"],
  ],
  ["Invalid user admin from 203.0.113.77 port 40000", ["203.0.113.77", "admin"]],
  ["Invalid user admin from 203.0.113.77", ["203.0.113.77", "admin"]],
  ["User root from 192.0.2.144 not allowed because not listed in AllowUsers", ["192.0.2.144", "root"]],
  [
    "User bob from 192.0.2.144 not allowed because none of user's groups are listed in AllowGroups",
    ["192.0.2.144", "bob"],
  ],
  [
    "error: maximum authentication attempts exceeded for root from 45.33.12.9 port 1234 ssh2 [preauth]",
    ["45.33.12.9", "root"],
  ],
  [
    "error: maximum authentication attempts exceeded for invalid user pi from 45.33.12.9 port 1234 ssh2 [preauth]",
    ["45.33.12.9", "pi"],
  ],
  [
    "Disconnecting authenticating user root 185.220.101.4 port 2222: Too many authentication failures [preauth]",
    ["185.220.101.4", "root"],
  ],
  [
    "Disconnecting invalid user guest 185.220.101.4 port 2222: Too many authentication failures [preauth]",
    ["185.220.101.4", "guest"],
  ],
  // normal traffic
  [
    "Accepted publickey for ubuntu from 10.0.0.167 port 52022 ssh2: ED25519 SHA256:Xk2pWbq3rTzY0v8aQe1nU4mC7hL5sJ9dF6gR2tB0oPc",
    undefined,
  ],
  ["Accepted password for alice from 10.0.0.12 port 52022 ssh2", undefined],
  ["pam_unix(sshd:session): session opened for user ubuntu(uid=1000) by (uid=0)", undefined],
  ["pam_unix(sshd:session): session closed for user ubuntu", undefined],
  ["Connection closed by 1.2.3.4 port 22", undefined],
  ["Received disconnect from 10.0.0.12 port 52022:11: disconnected by user", undefined],
  ["Failed publickey for root from 203.0.113.5 port 52022 ssh2: RSA SHA256:abc", undefined],
];

/**
 * The same message as syslog (with and without a host name), rsyslog's high-precision format, journald
 * without host and `sshd -E FILE` (bare messages) write it, for sshd and sshd-session.
 */
function variants(message: string): string[] {
  return [
    `Nov 25 08:00:01 web-1 sshd[20345]: ${message}`,
    `Nov 25 08:00:01 web-1 sshd-session[20345]: ${message}`,
    `Nov 25 08:00:01 sshd[20345]: ${message}`,
    `2024-11-25T08:00:01.123456+00:00 web-1 sshd[20345]: ${message}`,
    `sshd[20345]: ${message}`,
    `sshd-session[20345]: ${message}`,
    message,
  ];
}

test("another program's line with the same words is no sshd failure", () => {
  const f = loadJailFilter({ filter: "sshd", filterDirs: [empty], now, timezone: "UTC" });
  for (const line of [
    "Nov 25 08:00:01 web-1 sudo: Failed password for root from 192.0.2.1 port 22 ssh2",
    "Nov 25 08:00:01 web-1 myapp[12]: Invalid user admin from 192.0.2.1 port 22",
  ])
    assert.deepEqual(f.process(line).failures, [], line);
});

test("mamori's sshd filter is found when filter_dirs holds no sshd filter", () => {
  const f = loadJailFilter({ filter: "sshd", filterDirs: [empty], now, timezone: "UTC" });
  assert.equal(f.name, "sshd");
  const r = f.process("Nov 25 08:00:01 web-1 sshd[1]: Invalid user a from 192.0.2.1 port 1");
  assert.deepEqual(
    r.failures.map((x) => x.ip),
    ["192.0.2.1"],
  );
  assert.match(BUILTIN_FILTER_DIR, /[/\\]filters[/\\]$/);
});

test("OpenSSH lines through mamori's sshd filter: failures with address and user, normal lines none", () => {
  for (const [message, want] of MESSAGES) {
    for (const line of variants(message)) {
      const f = loadJailFilter({ filter: "sshd", filterDirs: [empty], now, timezone: "UTC" });
      const r = f.process(line);
      const got = r.failures.map((x) => [x.ip, x.user ?? ""]);
      assert.deepEqual(got, want ? [want] : [], line);
    }
  }
});

test("filter_dirs win over mamori's own filters", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mamori-filter-d-"));
  try {
    writeFileSync(path.join(dir, "sshd.conf"), "[Definition]\nfailregex = ^only this <HOST>$\n");
    const f = loadJailFilter({ filter: "sshd", filterDirs: [dir], now, timezone: "UTC" });
    assert.equal(f.process("only this 192.0.2.9").failures.length, 1);
    assert.equal(
      f.process("Nov 25 08:00:01 web-1 sshd[1]: Invalid user a from 192.0.2.1 port 1").failures.length,
      0,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("mamori regex falls back to mamori's own filter too", () => {
  const r = runRegex(
    "sshd",
    ["Nov 25 08:00:01 web-1 sshd[1]: Failed password for root from 192.0.2.7 port 1 ssh2"],
    {
      filterDirs: [empty],
      now,
      timezone: "UTC",
    },
  );
  assert.equal(r.definition.files[0], path.join(BUILTIN_FILTER_DIR, "sshd.conf"));
  assert.deepEqual(
    r.matches.map((m) => [m.line, m.host, m.user]),
    [[1, "192.0.2.7", "root"]],
  );
});

test("a filter found nowhere names where it was looked for", () => {
  assert.throws(
    () => loadJailFilter({ filter: "no-such-filter", filterDirs: [empty], now }),
    (err: Error) => err.message.includes(empty) && err.message.includes(BUILTIN_FILTER_DIR),
  );
});
