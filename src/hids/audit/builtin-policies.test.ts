/**
 * mamori's own policies, aimed at sshd_config files in a temp root: a hardened one passes every check,
 * a weak one fails each check for the reason it should, and sshd's include files and spellings count.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import type { AuditResult } from "./evaluate.js";
import { builtinPolicyNames, loadPolicies } from "./policies.js";
import { runPolicies } from "./run.js";

const roots: string[] = [];
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

function hostWith(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-sshd-"));
  roots.push(root);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

async function sshdResults(
  files: Record<string, string>,
): Promise<Record<number, { result: AuditResult; reason: string }>> {
  const [policy] = loadPolicies(["builtin:sshd"]);
  const out: Record<number, { result: AuditResult; reason: string }> = {};
  for (const f of await runPolicies([policy], { root: hostWith(files), commandTimeoutMs: 1000 }))
    out[f.id] = f;
  return out;
}

const HARDENED = `# hardened
Include /etc/ssh/sshd_config.d/*.conf
PermitRootLogin no
PasswordAuthentication no
PermitEmptyPasswords no
MaxAuthTries 3
X11Forwarding no
`;

const WEAK = `PermitRootLogin yes
PasswordAuthentication yes
PermitEmptyPasswords yes
MaxAuthTries 10
X11Forwarding yes
HostbasedAuthentication yes
PermitUserEnvironment yes
`;

describe("builtin:sshd", () => {
  it("is listed among the built-in policies", () => {
    assert.ok(builtinPolicyNames().includes("sshd"));
    assert.ok(builtinPolicyNames().includes("kernel"));
  });

  it("a hardened sshd_config passes every check", async () => {
    const r = await sshdResults({ "etc/ssh/sshd_config": HARDENED });
    for (const [id, f] of Object.entries(r)) assert.equal(f.result, "passed", `${id}: ${f.reason}`);
    assert.equal(Object.keys(r).length, 7);
  });

  it("a weak sshd_config fails every check, naming the line", async () => {
    const r = await sshdResults({ "etc/ssh/sshd_config": WEAK });
    for (const [id, f] of Object.entries(r)) assert.equal(f.result, "failed", `${id}: ${f.reason}`);
    assert.match(r[1003].reason, /line 3 of .*sshd_config: "PermitEmptyPasswords yes"/);
    assert.match(r[1005].reason, /line 5 of .*"X11Forwarding yes"/);
  });

  const table: Array<[string, Record<string, string>, number, AuditResult, RegExp?]> = [
    ["keywords and values in any case", { "etc/ssh/sshd_config": "permitrootlogin No\n" }, 1001, "passed"],
    ["Keyword=value", { "etc/ssh/sshd_config": "PermitRootLogin=no\nMaxAuthTries = 2\n" }, 1004, "passed"],
    ["quoted values", { "etc/ssh/sshd_config": 'PasswordAuthentication "no"\n' }, 1002, "passed"],
    [
      "a commented-out line does not count",
      { "etc/ssh/sshd_config": "#PermitRootLogin no\n" },
      1001,
      "failed",
    ],
    [
      "prohibit-password is not no",
      { "etc/ssh/sshd_config": "PermitRootLogin prohibit-password\n" },
      1001,
      "failed",
    ],
    [
      "an included file that turns passwords back on fails the check",
      {
        "etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\n",
        "etc/ssh/sshd_config.d/50-cloud-init.conf": "PasswordAuthentication yes\n",
      },
      1002,
      "failed",
      /50-cloud-init\.conf: "PasswordAuthentication yes"/,
    ],
    [
      "the safe value may come from an included file",
      {
        "etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\n",
        "etc/ssh/sshd_config.d/10-hardening.conf": "MaxAuthTries 4\n",
      },
      1004,
      "passed",
    ],
    [
      "MaxAuthTries absent: the default 6 is too many",
      { "etc/ssh/sshd_config": "Port 22\n" },
      1004,
      "failed",
    ],
    [
      "a second, higher MaxAuthTries fails",
      { "etc/ssh/sshd_config": "MaxAuthTries 3\nMatch User x\n  MaxAuthTries 9\n" },
      1004,
      "failed",
    ],
    ["X11Forwarding absent: the default no passes", { "etc/ssh/sshd_config": "Port 22\n" }, 1005, "passed"],
    [
      "no sshd_config: not applicable",
      { "etc/other": "" },
      1003,
      "not_applicable",
      /requirements do not hold/,
    ],
  ];
  for (const [what, files, id, expected, reason] of table)
    it(what, async () => {
      const f = (await sshdResults(files))[id];
      assert.equal(f.result, expected, f.reason);
      if (reason) assert.match(f.reason, reason);
    });
});

describe("builtin:kernel", () => {
  const sysctl = (values: Record<string, string>) =>
    Object.fromEntries([
      ["proc/sys/kernel/ostype", "Linux\n"],
      ...Object.entries(values).map(([k, v]) => [`proc/sys/${k}`, `${v}\n`]),
    ]);
  const good = {
    "kernel/randomize_va_space": "2",
    "kernel/kptr_restrict": "1",
    "kernel/dmesg_restrict": "1",
    "fs/protected_symlinks": "1",
    "fs/protected_hardlinks": "1",
    "fs/suid_dumpable": "0",
    "net/ipv4/tcp_syncookies": "1",
    "net/ipv4/conf/all/accept_redirects": "0",
  };

  it("a hardened kernel passes, a weak one fails, a missing value is not applicable", async () => {
    const [policy] = loadPolicies(["builtin:kernel"]);
    const run = async (values: Record<string, string>) =>
      Object.fromEntries(
        (await runPolicies([policy], { root: hostWith(sysctl(values)), commandTimeoutMs: 1000 })).map((f) => [
          f.id,
          f.result,
        ]),
      );
    const hardened = await run(good);
    assert.ok(
      Object.values(hardened).every((r) => r === "passed"),
      JSON.stringify(hardened),
    );
    const weak = await run({ ...good, "kernel/randomize_va_space": "0", "kernel/kptr_restrict": "0" });
    assert.equal(weak[2001], "failed");
    assert.equal(weak[2002], "failed");
    assert.equal(weak[2003], "passed");
    const { "fs/suid_dumpable": _, ...partial } = good;
    assert.equal((await run(partial))[2006], "not_applicable");
  });
});
