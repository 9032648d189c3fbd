/**
 * `mamori regex`: a plain argv runs on the lean path (no commander, src/cli/entry.ts); it must print what
 * the commander path prints, and its errors must be as clear, with the same exit codes.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runCli } from "../../testing/cli.js";
import { fileSize, plainRegexArgv } from "./regex.js";

const dir = mkdtempSync(path.join(tmpdir(), "mamori-regex-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
/** no filter.d of its own: names resolve to mamori's built-in filters */
const emptyDir = mkdtempSync(path.join(dir, "filter.d-"));

const LOG = path.join(dir, "auth.log");
writeFileSync(
  LOG,
  [
    "Nov 25 08:00:00 web-1 sshd[101]: Invalid user admin from 192.0.2.1 port 4001",
    "Nov 25 08:00:00 web-1 sshd[101]: Connection closed by invalid user admin 192.0.2.1 port 4001 [preauth]",
    "Nov 25 08:00:01 web-1 sshd[102]: Failed password for root from 198.51.100.7 port 22 ssh2",
    "Nov 25 08:00:01 web-1 sshd[103]: Received disconnect from 203.0.113.9 port 5000:11: Bye Bye [preauth]",
    "Nov 25 08:00:02 web-1 sshd[104]: Accepted publickey for deploy from 192.0.2.50 port 5100 ssh2",
    "Nov 25 08:00:03 web-1 CRON[105]: pam_unix(cron:session): session opened for user root",
    "# a comment",
    "",
    "Nov 25 08:00:04 web-1 sshd[106]: Failed password for invalid user <script>$(x)</script> from 192.0.2.66 port 1 ssh2",
  ].join("\n"),
);

const timing = /^\[processed in .*$/m;

test("plainRegexArgv: a plain argv is parsed as commander would; anything else is left to commander", () => {
  assert.deepEqual(plainRegexArgv(["LOG", "sshd"]), { log: "LOG", filter: "sshd", opts: { filterDir: [] } });
  assert.deepEqual(
    plainRegexArgv(["--json", "LOG", "--filter-dir", "a", "sshd", "--filter-dir", "b", "--mode", "ddos"]),
    { log: "LOG", filter: "sshd", opts: { json: true, filterDir: ["a", "b"], mode: "ddos" } },
  );
  assert.deepEqual(
    plainRegexArgv(["L", "F", "--datepattern", "{^LN-BEG}", "--timezone", "UTC", "--maxlines", "2"]),
    {
      log: "L",
      filter: "F",
      opts: { filterDir: [], datepattern: "{^LN-BEG}", timezone: "UTC", maxlines: "2" },
    },
  );
  for (const argv of [
    ["--help"],
    ["LOG", "sshd", "-h"],
    ["LOG", "sshd", "--mode=ddos"],
    ["LOG", "sshd", "--mode"],
    ["LOG", "sshd", "--mode", "--json"],
    ["LOG", "sshd", "--unknown"],
    ["LOG"],
    ["LOG", "sshd", "extra"],
    ["LOG", "sshd", "--"],
    ["-", "sshd"],
  ]) {
    assert.equal(plainRegexArgv(argv), undefined, argv.join(" "));
  }
});

test("the lean path prints what the commander path prints (report and --json)", async () => {
  const lean = await runCli(["regex", LOG, "sshd", "--filter-dir", emptyDir]);
  // "--filter-dir=DIR" is not a plain argv: commander parses it
  const full = await runCli(["regex", LOG, "sshd", `--filter-dir=${emptyDir}`]);
  assert.equal(lean.code, 0, lean.stderr);
  assert.equal(full.code, 0, full.stderr);
  assert.match(lean.stdout, /^Lines: 7 lines, 0 ignored, 3 matched, 4 missed$/m);
  assert.match(lean.stdout, /^\|\s+1\) \[2\] \^Failed /m);
  assert.equal(lean.stdout.replace(timing, ""), full.stdout.replace(timing, ""));
  assert.equal(lean.stderr, full.stderr);

  const leanJson = await runCli(["regex", LOG, "sshd", "--json", "--filter-dir", emptyDir]);
  const fullJson = await runCli(["regex", LOG, "sshd", "--json", `--filter-dir=${emptyDir}`]);
  const strip = (s: string) => ({ ...JSON.parse(s), elapsedMs: 0 });
  assert.deepEqual(strip(leanJson.stdout), strip(fullJson.stdout));
  assert.deepEqual(
    strip(leanJson.stdout).matches.map((m: { line: number; host: string }) => [m.line, m.host]),
    [
      [1, "192.0.2.1"],
      [3, "198.51.100.7"],
      [9, "192.0.2.66"],
    ],
  );
});

test("fileSize: a regular file's size; log text that is no path, or names no file, is text", () => {
  assert.ok((fileSize(LOG) ?? 0) > 0);
  assert.equal(fileSize(dir), undefined); // a folder
  assert.equal(fileSize(path.join(dir, "nothing-here")), undefined);
  assert.equal(fileSize(`${LOG}/sshd[1]: Failed password`), undefined); // ENOTDIR
  assert.equal(fileSize(`Nov 25 08:00:01 h sshd[1]: ${"x".repeat(5000)}`), undefined); // ENAMETOOLONG
  assert.equal(fileSize(`/${"y".repeat(300)}/z`), undefined); // a name over NAME_MAX
});

test("a log line instead of a file, and regex --help, still work", async () => {
  const line = await runCli([
    "regex",
    "Nov 25 08:00:01 h sshd[1]: Failed password for root from 192.0.2.7 port 1 ssh2",
    "sshd",
    "--filter-dir",
    emptyDir,
  ]);
  assert.equal(line.code, 0, line.stderr);
  assert.match(line.stdout, /^Use {6}single line : /m);
  assert.match(line.stdout, /^Lines: 1 lines, 0 ignored, 1 matched, 0 missed$/m);
  const help = await runCli(["regex", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: mamori regex \[options\] <log> <filter>/m);
});

test("a bad filter on the lean path: a clear error with file:line:col, exit 2, nothing on stdout", async () => {
  const noHost = await runCli(["regex", LOG, "^Failed password$", "--filter-dir", emptyDir]);
  assert.equal(noHost.code, 2);
  assert.equal(noHost.stdout, "");
  assert.match(noHost.stderr, /^<failregex>:1:1: failregex cannot be used: no failure-id group/m);

  const bad = path.join(dir, "bad.conf");
  writeFileSync(bad, "[Definition]\n\nfailregex = ^ok <HOST>$\n            ^broken (<HOST>$\n");
  const broken = await runCli(["regex", LOG, bad]);
  assert.equal(broken.code, 2);
  assert.equal(broken.stdout, "");
  assert.match(
    broken.stderr,
    new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4:13: failregex cannot be used`, "m"),
  );
  assert.match(broken.stderr, /fix the regex/);

  const missing = await runCli(["regex", LOG]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing required argument 'filter'/);
});
