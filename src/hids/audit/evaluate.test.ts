/**
 * Every rule type and operator against real files in a temp root, real processes and real commands.
 * Each policy is written as a user would write it; the table reads like Wazuh's rule documentation.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { waitFor } from "../../testing/wait.js";
import type { AuditResult } from "./evaluate.js";
import { parsePolicy } from "./policy.js";
import { runPolicy } from "./run.js";

let root: string;

const FILES: Record<string, string> = {
  "etc/ssh/sshd_config": "# comment\nPort 22\nPermitRootLogin no\nMaxAuthTries 3\nX11Forwarding yes\n",
  "etc/login.defs": "PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS 1\nUMASK 022\n",
  "etc/passwd":
    "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/bash\n",
  "etc/conf.d/a.conf": "enabled=false\n",
  "etc/conf.d/sub/b.conf": "enabled=true\nlevel=7\n",
  "etc/conf.d/readme.txt": "enabled=true\n",
  "proc/sys/kernel/randomize_va_space": "2\n",
  "crlf.txt": "key value\r\nother\r\n",
};

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-audit-"));
  for (const [rel, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** A one-check policy around `rules`, evaluated under the temp root. */
async function check(
  rules: string[],
  condition = "all",
  opts: { engine?: "pcre2"; timeoutMs?: number } = {},
): Promise<{ result: AuditResult; reason: string }> {
  const yaml = [
    "policy:",
    "  id: t",
    "  name: test",
    `  regex_type: ${opts.engine ?? "osregex"}`,
    "variables:",
    "  $sshd: /etc/ssh/sshd_config",
    "  $both: /etc/missing,/etc/ssh/sshd_config",
    "checks:",
    "  - id: 1",
    "    title: t",
    `    condition: ${condition}`,
    "    rules:",
    ...rules.map((r) => `      - '${r.replace(/'/g, "''")}'`),
  ].join("\n");
  const [f] = await runPolicy(parsePolicy(yaml, "t.yml"), {
    root,
    commandTimeoutMs: opts.timeoutMs ?? 10_000,
  });
  return f;
}

const table: Array<[string, string[], AuditResult, string?]> = [
  // existence
  ["a file that exists", ["f:/etc/passwd"], "passed"],
  ["a file that is missing", ["f:/etc/nope"], "failed"],
  ["a directory is not a file", ["f:/etc/conf.d"], "failed"],
  ["not: a file that must be missing", ["not f:/etc/nope"], "passed"],
  ["not: a file that exists", ["not f:/etc/passwd"], "failed"],
  ["a directory that exists", ["d:/etc/conf.d"], "passed"],
  ["a directory that is missing", ["d:/etc/nope.d"], "failed"],
  ["a comma list: one of them exists", ["f:$both"], "passed"],
  // content: r:, literal, !r:, &&, n:
  ["r: a line matches", ["f:$sshd -> r:^PermitRootLogin\\s+no"], "passed"],
  ["r: no line matches", ["f:$sshd -> r:^PermitRootLogin\\s+yes"], "failed"],
  ["r: OS_Regex ignores case", ["f:$sshd -> r:^permitrootlogin\\s+NO"], "passed"],
  ["literal: the whole line", ["f:$sshd -> Port 22"], "passed"],
  ["literal: part of a line is not enough", ["f:$sshd -> Port 2"], "failed"],
  ["!r: some line does not match (osregex, as Wazuh 4)", ["f:$sshd -> !r:^#"], "passed"],
  ["pcre2 lone !r: no line matches (as Wazuh 5)", ["f:$sshd -> !r:^#"], "failed", "line 1 of"],
  ["pcre2 lone !r: true when no line matches", ["f:$sshd -> !r:^PermitRootLogin\\s+yes"], "passed"],
  ["&&: all on one line", ["f:/etc/passwd -> !r:^# && !r:^root: && r:^\\w+:\\w+:0:"], "passed", "toor"],
  ["&&: not on one line", ["f:$sshd -> r:^Port && r:no"], "failed"],
  [
    "not with content: a match fails",
    ["not f:/etc/passwd -> !r:^root: && r:^\\w+:\\w+:0:"],
    "failed",
    "line 2",
  ],
  ["n: <=", ["f:$sshd -> n:^MaxAuthTries\\s+(\\d+) compare <= 4"], "passed"],
  ["n: >", ["f:$sshd -> n:^MaxAuthTries\\s+(\\d+) compare > 3"], "failed"],
  ["n: ==", ["f:/etc/login.defs -> n:^PASS_MIN_DAYS\\s+(\\d+) compare == 1"], "passed"],
  ["n: !=", ["f:/etc/login.defs -> n:^PASS_MIN_DAYS\\s+(\\d+) compare != 1"], "failed"],
  ["n: >=", ["f:/etc/login.defs -> n:^PASS_MAX_DAYS\\t(\\d+) compare >= 365"], "passed"],
  ["n: <", ["f:/etc/login.defs -> n:^PASS_MAX_DAYS\\t(\\d+) compare < 366"], "failed"],
  ["n: Wazuh 4's => spelling", ["f:/etc/login.defs -> n:^PASS_MIN_DAYS\\s+(\\d+) compare => 1"], "passed"],
  ["CRLF lines are read without the CR", ["f:/crlf.txt -> r:^key value$"], "passed"],
  // not applicable: content of a missing file
  ["content of a missing file is not applicable", ["f:/etc/nope -> r:x"], "not_applicable", "does not exist"],
  ["not of not applicable stays not applicable", ["not f:/etc/nope -> r:x"], "not_applicable"],
  ["a comma list with one missing file is read", ["f:$both -> r:^Port"], "passed"],
  // directories
  ["d: a file of that name, recursively", ["d:/etc/conf.d -> b.conf"], "passed"],
  ["d: file regex and content", ["d:/etc/conf.d -> r:\\.conf$ -> r:^enabled=true"], "passed", "sub/b.conf"],
  [
    "d: content only in files the regex picks",
    ["d:/etc/conf.d -> r:^a\\.conf$ -> r:^enabled=true"],
    "failed",
  ],
  ["d: n: in a directory's files", ["d:/etc/conf.d -> r:\\.conf$ -> n:^level=(\\d+) compare >= 5"], "passed"],
  ["d: files of a missing directory: not applicable", ["d:/etc/nope.d -> r:x"], "not_applicable"],
  // pcre2
  ["pcre2 ignores case (Wazuh 5: PCRE2_CASELESS)", ["f:$sshd -> r:^permitrootlogin"], "passed"],
  ["pcre2 (?i)", ["f:$sshd -> r:(?i)^permitrootlogin\\s+(?!yes)\\w+"], "passed"],
];

describe("audit rules against files", () => {
  for (const [what, rules, expected, reason] of table)
    it(what, async () => {
      const engine = what.startsWith("pcre2") ? "pcre2" : undefined;
      const r = await check(rules, "all", { engine });
      assert.equal(r.result, expected, r.reason);
      if (reason) assert.match(r.reason, new RegExp(reason));
    });
});

describe("check conditions (Wazuh's truth table)", () => {
  const P = "f:/etc/passwd";
  const F = "f:/etc/nope";
  const NA = "f:/etc/nope -> r:x";
  const conditions: Array<[string, string[], AuditResult]> = [
    ["all", [P, P], "passed"],
    ["all", [P, F], "failed"],
    ["all", [NA, F], "failed"],
    ["all", [P, NA], "not_applicable"],
    ["any", [F, P], "passed"],
    ["any", [F, F], "failed"],
    ["any", [F, NA], "not_applicable"],
    ["any", [NA, P], "passed"],
    ["none", [F, F], "passed"],
    ["none", [F, P], "failed"],
    ["none", [NA, P], "failed"],
    ["none", [F, NA], "not_applicable"],
  ];
  for (const [condition, rules, expected] of conditions)
    it(`${condition} of ${rules.map((r) => (r === P ? "true" : r === F ? "false" : "n/a")).join(", ")} → ${expected}`, async () => {
      assert.equal((await check(rules, condition)).result, expected);
    });

  it("requirements that do not hold make every check not applicable, saying why", async () => {
    const yaml = `policy: {id: r, name: r}
requirements: {title: needs sshd, condition: all, rules: ['f:/etc/nope']}
checks:
  - {id: 1, title: a, condition: all, rules: ['f:/etc/passwd']}
  - {id: 2, title: b, condition: all, rules: ['f:/etc/nope']}`;
    const out = await runPolicy(parsePolicy(yaml, "r.yml"), { root, commandTimeoutMs: 1000 });
    assert.deepEqual(
      out.map((f) => f.result),
      ["not_applicable", "not_applicable"],
    );
    assert.match(out[0].reason, /requirements do not hold \(needs sshd\)/);
  });
});

describe("process rules", () => {
  let child: ChildProcess;
  const name = `mamori-probe-${process.pid}`.slice(0, 15);
  before(async () => {
    // a copy of sleep under a name no other process has: its comm is that name
    const bin = path.join(root, name);
    fs.copyFileSync("/bin/sleep", bin);
    fs.chmodSync(bin, 0o755);
    child = spawn(bin, ["600"], { stdio: "ignore" });
    await waitFor("the probe process", () => {
      try {
        return fs.readFileSync(`/proc/${child.pid}/comm`, "utf8").trim() === name;
      } catch {
        return false;
      }
    });
  });
  after(() => child.kill("SIGKILL"));

  it("p: a process of that name runs", async () => {
    const r = await check([`p:${name}`]);
    assert.equal(r.result, "passed");
    assert.match(r.reason, new RegExp(`pid ${child.pid}`));
  });
  it("not p: fails while it runs", async () => {
    assert.equal((await check([`not p:${name}`])).result, "failed");
  });
  it("p: a name no process has", async () => {
    assert.equal((await check(["p:mamori-no-such-process"])).result, "failed");
  });
  it("p:r: a regex on the name", async () => {
    assert.equal((await check([`p:r:^mamori-probe-`], "all", { engine: "pcre2" })).result, "passed");
  });
});

describe("command rules (argv, no shell)", () => {
  it("c: the output has a matching line", async () => {
    assert.equal((await check(["c:printf 'alpha\\nbeta\\n' -> r:^beta$"])).result, "passed");
  });
  it("c: with n: on the output", async () => {
    assert.equal((await check(["c:echo limit 8192 -> n:^limit (\\d+) compare >= 4096"])).result, "passed");
  });
  it("shell metacharacters reach the program literally", async () => {
    const marker = path.join(root, "pwned");
    const r = await check([`c:echo $(touch ${marker}); \`id\` | cat > x && y -> r:^\\$\\(touch`], "all", {
      engine: "pcre2",
    });
    assert.equal(r.result, "passed", r.reason);
    assert.equal(fs.existsSync(marker), false);
    const literal = await check(["c:echo a;b|c>d -> a;b|c>d"]);
    assert.equal(literal.result, "passed", literal.reason);
  });
  it("a $word that names no variable reaches the program as written", async () => {
    const r = await check(["c:echo $HOME $1 -> r:^\\$HOME \\$1$"], "all", { engine: "pcre2" });
    assert.equal(r.result, "passed", r.reason);
  });
  it("quotes group words without a shell", async () => {
    assert.equal((await check([`c:printf "%s|%s" "a b" 'c d' -> a b|c d`])).result, "passed");
  });
  it("a command that is not installed is not applicable", async () => {
    const r = await check(["c:mamori-no-such-command -> r:x"]);
    assert.equal(r.result, "not_applicable");
    assert.match(r.reason, /not found/);
  });
  it("a command that hangs is killed at the timeout and is not applicable", async () => {
    const started = performance.now();
    const r = await check(["c:sleep 30 -> r:x"], "all", { timeoutMs: 300 });
    assert.equal(r.result, "not_applicable");
    assert.match(r.reason, /did not finish within 0\.3 s and was killed/);
    assert.ok(performance.now() - started < 10_000);
  });
  it("a child left holding the output does not hold the scan", async () => {
    const started = performance.now();
    const r = await check(["c:sh -c 'sleep 30 & echo started' -> r:^started$"], "all", { timeoutMs: 20_000 });
    assert.equal(r.result, "passed", r.reason);
    assert.ok(performance.now() - started < 10_000);
  });
});

describe("hostile input", () => {
  it("invalid UTF-8, control characters and markup in a file are matched and reported as text", async () => {
    const dir = path.join(root, "etc/hostile.d");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, "x.conf"),
      Buffer.concat([
        Buffer.from("Key "),
        Buffer.from([0xff, 0xfe]),
        Buffer.from("<script>alert(1)</script>\u001b[2J\n"),
      ]),
    );
    fs.writeFileSync(path.join(dir, "name\nwith newline.conf"), "Key evil\n");
    const r = await check(["d:/etc/hostile.d -> r:\\.conf$ -> r:^Key evil"], "all", { engine: "pcre2" });
    assert.equal(r.result, "passed", r.reason);
    assert.match(r.reason, /name\nwith newline\.conf/);
    const x = await check(["not d:/etc/hostile.d -> r:^x\\.conf$ -> r:script"], "all", { engine: "pcre2" });
    assert.equal(x.result, "failed");
    assert.match(x.reason, /"Key \uFFFD\uFFFD<script>alert\(1\)<\/script>\\u001b\[2J"/);
  });
});
