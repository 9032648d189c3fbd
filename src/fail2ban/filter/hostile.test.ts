/** Hostile log lines: addresses in user names, huge lines, regexes that cannot be translated. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { ConfigError } from "../../core/errors.js";
import { F2B_FILTER_D } from "./corpus.js";
import { compileRegexFilter, loadJailFilter } from "./index.js";

const NOW = Date.UTC(2024, 10, 25, 12, 0, 0);
const now = () => NOW;
const tmp = mkdtempSync(path.join(tmpdir(), "mamori-filter-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("a user name that is an address never becomes the failure's address", () => {
  const sshd = loadJailFilter({ filter: "sshd", filterDirs: [F2B_FILTER_D], now, timezone: "UTC" });
  const cases = [
    "Nov 25 08:00:01 host sshd[1234]: Invalid user 1.2.3.4 from 5.6.7.8 port 4242",
    "Nov 25 08:00:02 host sshd[1235]: Failed password for invalid user 1.2.3.4 from 5.6.7.8 port 4242 ssh2",
    "Nov 25 08:00:03 host sshd[1236]: Failed password for 1.2.3.4 from 5.6.7.8 port 4242 ssh2",
  ];
  for (const line of cases) {
    const r = sshd.process(line);
    assert.equal(r.matched, true, line);
    assert.deepEqual(
      r.failures.map((f) => [f.ip, f.user]),
      [["5.6.7.8", "1.2.3.4"]],
      line,
    );
  }
});

test("a DNS host or an invalid address matches but yields no failure", () => {
  const f = compileRegexFilter("^login failed from <HOST>$", { now });
  for (const line of ["login failed from evil.example.com", "login failed from 999.1.1.1"]) {
    const r = f.process(line);
    assert.equal(r.matched, true, line);
    assert.deepEqual(r.failures, [], line);
  }
  assert.deepEqual(
    f.process("login failed from ::ffff:10.0.0.1").failures.map((x) => x.ip),
    ["10.0.0.1"],
  );
  assert.deepEqual(
    f.process("login failed from 2001:DB8::0:1").failures.map((x) => x.ip),
    ["2001:db8::1"],
  );
});

test("a 1 MiB line is processed quickly by the sshd filter", () => {
  const sshd = loadJailFilter({
    filter: "sshd[mode=aggressive]",
    filterDirs: [F2B_FILTER_D],
    now,
    timezone: "UTC",
  });
  const big = [
    `Nov 25 08:00:01 host sshd[1]: Failed password for ${"a ".repeat(512 * 1024)} from 5.6.7.8 port 1`,
    `Nov 25 08:00:01 host sshd[1]: ${"x".repeat(1 << 20)}`,
    `Nov 25 08:00:01 host sshd[1]: Invalid user ${" from".repeat(200_000)} from 5.6.7.8`,
  ];
  for (const line of big) {
    const t0 = performance.now();
    sshd.process(line);
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms on a ${line.length} byte line`);
  }
});

test("an untranslatable failregex is a ConfigError naming file:line", () => {
  const file = path.join(tmp, "bad.conf");
  writeFileSync(
    file,
    [
      "[Definition]",
      "failregex = ^ok from <HOST>$",
      "            ^bad (?<=a+) from <HOST>$",
      "ignoreregex =",
    ].join("\n"),
  );
  assert.throws(
    () => loadJailFilter({ filter: file, filterDirs: [], now }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems[0].file, file);
      assert.equal(err.problems[0].line, 3);
      assert.match(err.problems[0].message, /look-behind requires fixed-width pattern/);
      return true;
    },
  );
});

test("a failregex without a host group is a ConfigError; a missing filter names the directories", () => {
  const file = path.join(tmp, "nohost.conf");
  writeFileSync(file, "[Definition]\nfailregex = ^something bad happened$\n");
  assert.throws(
    () => loadJailFilter({ filter: file, filterDirs: [], now }),
    /nohost.conf:2:13: .*no failure-id group/,
  );
  assert.throws(() => loadJailFilter({ filter: "no-such-filter", filterDirs: [tmp], now }), /not found in/);
});
