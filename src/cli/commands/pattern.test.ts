/** `mamori pattern test` through the real CLI, as a user runs it. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../../testing/cli.js";

const EVENT_B = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534';
const AUTH = [
  "Nov 25 08:21:45 ip-10-0-0-169 sshd[24078]: Connection closed by 10.0.0.167 [preauth]",
  "Nov 25 08:21:46 ip-10-0-0-169 sshd[24079]: Accepted publickey for alice from 10.0.0.12 port 50000 ssh2",
  "Nov 25 08:21:47 ip-10-0-0-169 sshd[24080]: Connection closed by 10.0.0.168 port 2222 [preauth]",
].join("\n");

describe("mamori pattern test", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "mamori-pattern-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("--json prints exactly one TestMetricFilter-shaped object, reading FILE", async () => {
    const file = path.join(dir, "access.log");
    writeFileSync(file, `${EVENT_B}\nnot an access line\n`);
    const r = await runCli([
      "pattern",
      "test",
      "[ip, user, username, timestamp, request, status_code=404, bytes]",
      file,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ["matches", "lines", "elapsedMs"]);
    assert.equal(out.lines, 2);
    assert.equal(typeof out.elapsedMs, "number");
    assert.deepEqual(out.matches, [
      {
        eventNumber: 1,
        eventMessage: EVENT_B,
        extractedValues: {
          $ip: "127.0.0.1",
          $user: "-",
          $username: "frank",
          $timestamp: "10/Oct/2000:13:25:15 -0700",
          $request: "GET /index.html HTTP/1.0",
          $status_code: "404",
          $bytes: "1534",
        },
      },
    ]);
  });

  it("reads stdin with '-' and without a FILE; event numbers are line numbers", async () => {
    for (const args of [["-"], []]) {
      const r = await runCli(["pattern", "test", '"[preauth]"', ...args, "--json"], { input: `${AUTH}\n` });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.lines, 3);
      assert.deepEqual(
        out.matches.map((m: { eventNumber: number }) => m.eventNumber),
        [1, 3],
      );
    }
  });

  it("prints matching lines, extracted values and a count by default", async () => {
    const r = await runCli(["pattern", "test", "[..., bytes>1000]"], { input: `${EVENT_B}\nshort 10\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1: 127\.0\.0\.1 - frank/m);
    assert.match(r.stdout, /^ {4}\$bytes = 1534$/m);
    assert.match(r.stdout, /^1 of 2 lines matched \(space pattern, \d+ ms\)$/m);
  });

  const invalid: [pattern: string, stderr: string][] = [
    ["[ip, user", "pattern:1:10: expected ',' or ']'"],
    ["{ $.a = }", "pattern:1:9: expected a value"],
    ["%(a)%", "pattern:1:2: groups are not supported in filter-pattern regexes"],
  ];
  for (const [pattern, stderr] of invalid) {
    it(`exits 2 with the position for ${pattern}`, async () => {
      const r = await runCli(["pattern", "test", pattern, "-"], { input: "x\n" });
      assert.equal(r.code, 2);
      assert.equal(r.stderr.trim(), stderr);
      assert.equal(r.stdout, "");
    });
  }

  it("exits 2 when FILE cannot be read", async () => {
    const r = await runCli(["pattern", "test", "x", path.join(dir, "missing.log")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read .*missing\.log/);
  });
});
