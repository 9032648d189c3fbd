/** The data generators: deterministic per seed, in the shapes other tests and benchmarks rely on. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { authLogLines, bruteForceLines } from "./auth-log.js";
import { cloudTrailRecords } from "./cloudtrail.js";
import { VPC_CUSTOM_29_FIELDS, VPC_DEFAULT_V2_FIELDS, vpcFlowLines } from "./vpc-flow.js";

const FAILURE = /sshd\[\d+\]: (Failed password|Invalid user|pam_unix\(sshd:auth\): authentication failure)/;

describe("authLogLines", () => {
  it("is deterministic per seed and differs between seeds", () => {
    assert.deepEqual([...authLogLines(500, 3)], [...authLogLines(500, 3)]);
    assert.notDeepEqual([...authLogLines(500, 3)], [...authLogLines(500, 4)]);
  });

  it("writes syslog lines with about 10% failures, some from IPv6 addresses", () => {
    const lines = [...authLogLines(5000, 1)];
    for (const line of lines)
      assert.match(line, /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ (sshd|sudo|CRON)(\[\d+\])?: /);
    const failures = lines.filter((l) => FAILURE.test(l));
    assert.ok(failures.length > 350 && failures.length < 650, `${failures.length} failures`);
    assert.ok(failures.some((l) => /from 2001:db8:|rhost=2001:db8:/.test(l)));
    assert.ok(lines.some((l) => l.endsWith("[preauth]")));
  });

  it("fail2ban's own sshd filter finds every failure line", async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), "mamori-gen-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const lines = [...authLogLines(1000, 9)];
    const file = path.join(dir, "auth.log");
    writeFileSync(file, `${lines.join("\n")}\n`);
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)("fail2ban-regex", [file, "sshd"], { timeout: 60_000 }));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        t.skip("fail2ban-regex is not installed (scripts/install-test-deps.sh installs it)");
        return;
      }
      throw err;
    }
    // Counted per failregex: every failure line is one failure hit; the other hits are fail2ban's NOFAIL rows.
    const failures = lines.filter((l) => FAILURE.test(l)).length;
    const hit = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? 0);
    const failed = hit(/^\|\s+\d+\) \[(\d+)\] \^Failed /m);
    const invalid = hit(/^\|\s+\d+\) \[(\d+)\] \^\[iI\]\(\?:llegal\|nvalid\)/m);
    // fail2ban matches the pam_unix line too, as a NOFAIL row (it counts the "Failed password" that follows).
    const pam = hit(/^\|\s+\d+\) \[(\d+)\] \^<F-NOFAIL>pam_/m);
    assert.equal(failed + invalid + pam, failures, stdout);
  });
});

describe("bruteForceLines", () => {
  const COUNTED = /sshd\[\d+\]: (Invalid user|Failed password for)/;
  const READ_NOT_COUNTED =
    /sshd\[\d+\]: (Received disconnect from .*:11: |Disconnected from (invalid|authenticating) user|Connection (closed|reset) by)/;

  it("is deterministic per seed and differs between seeds", () => {
    assert.deepEqual([...bruteForceLines(500, 3)], [...bruteForceLines(500, 3)]);
    assert.notDeepEqual([...bruteForceLines(500, 3)], [...bruteForceLines(500, 4)]);
  });

  it("has about 17% counted failures, 55% lines sshd reads without counting, many per second, many addresses", () => {
    const lines = [...bruteForceLines(20_000, 1)];
    for (const line of lines)
      assert.match(line, /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ (sshd|sudo|CRON)(\[\d+\])?: /);
    const share = (re: RegExp) => lines.filter((l) => re.test(l)).length / lines.length;
    const counted = share(COUNTED);
    const readOnly = share(READ_NOT_COUNTED);
    assert.ok(counted > 0.15 && counted < 0.19, `counted ${counted}`);
    assert.ok(readOnly > 0.5 && readOnly < 0.6, `read, not counted ${readOnly}`);
    const perSecond = lines.length / new Set(lines.map((l) => l.slice(0, 15))).size;
    assert.ok(perSecond > 8, `${perSecond} lines a second`);
    const addresses = new Set(lines.map((l) => / from (\S+) port /.exec(l)?.[1]).filter(Boolean));
    const users = new Set(lines.map((l) => /Invalid user (\S+)/.exec(l)?.[1]).filter(Boolean));
    assert.ok(addresses.size > 1000, `${addresses.size} addresses`);
    assert.ok(users.size > 100, `${users.size} user names`);
    assert.ok(
      [...addresses].some((a) => a?.includes(":")),
      "some IPv6 attackers",
    );
  });
});

describe("vpcFlowLines", () => {
  it("has the 29 custom fields in alphabetical order and the 14 default ones", () => {
    assert.equal(VPC_CUSTOM_29_FIELDS.length, 29);
    assert.deepEqual([...VPC_CUSTOM_29_FIELDS], [...VPC_CUSTOM_29_FIELDS].sort());
    assert.equal(VPC_DEFAULT_V2_FIELDS.length, 14);
  });

  it("writes one value per field, '-' for absent ones, deterministically", () => {
    for (const fields of [VPC_CUSTOM_29_FIELDS, VPC_DEFAULT_V2_FIELDS]) {
      const lines = [...vpcFlowLines(2000, { seed: 5, fields })];
      assert.deepEqual(lines, [...vpcFlowLines(2000, { seed: 5, fields })]);
      for (const line of lines) assert.equal(line.split(" ").length, fields.length);
      const bytes = fields.indexOf("bytes");
      const large = lines.filter((l) => Number(l.split(" ")[bytes]) > 100_000).length;
      assert.ok(large > 0 && large < 200, `${large} large flows`);
    }
    const first = [...vpcFlowLines(50, { fields: VPC_CUSTOM_29_FIELDS })];
    assert.ok(first.some((l) => l.includes(" egress ")) && first.some((l) => l.includes(" - ")));
  });
});

describe("cloudTrailRecords", () => {
  it("yields ConsoleLogin records with Success and Failure and API calls, deterministically", () => {
    const records = [...cloudTrailRecords(1000, 2)];
    assert.deepEqual(records, [...cloudTrailRecords(1000, 2)]);
    const logins = records.filter((r) => r.eventName === "ConsoleLogin");
    assert.ok(logins.length > 100 && logins.length < 300);
    const results = new Set(logins.map((r) => (r.responseElements as { ConsoleLogin: string }).ConsoleLogin));
    assert.deepEqual([...results].sort(), ["Failure", "Success"]);
    for (const r of records) {
      assert.match(String(r.eventTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(r.recipientAccountId, "123456789012");
      assert.equal(typeof r.sourceIPAddress, "string");
      assert.equal(typeof r.awsRegion, "string");
      assert.ok(r.userIdentity);
    }
  });
});
