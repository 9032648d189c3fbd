/** A policy file with mistakes: every problem at once, each at FILE:LINE:COL with what to fix. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ConfigError, formatProblem } from "../../core/errors.js";
import { loadPolicies, unsafeCommandPolicy } from "./policies.js";
import { parsePolicy } from "./policy.js";

function problems(text: string): string[] {
  try {
    parsePolicy(text, "p.yml");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map(formatProblem);
  }
  assert.fail("the policy was accepted");
}

describe("policy file problems", () => {
  const table: Array<[string, string, RegExp]> = [
    ["YAML syntax", "policy: {id: x\nchecks: [", /^p\.yml:\d+:\d+: YAML syntax error/],
    [
      "no policy section",
      "checks:\n  - {id: 1, title: t, condition: all, rules: ['f:/x']}\n",
      /^p\.yml:1:1: the policy needs policy: \{ id, name/,
    ],
    [
      "missing id",
      "policy: {name: n}\nchecks:\n  - {id: 1, title: t, condition: all, rules: ['f:/x']}\n",
      /^p\.yml:1:9: missing id: /,
    ],
    ["unknown top-level key", "policy: {id: x, name: n}\nchekcs: []\n", /^p\.yml:2:1: unknown key "chekcs"/],
    ["no checks", "policy: {id: x, name: n}\n", /needs checks:/],
    [
      "unknown rule type, at the rule's column",
      "policy: {id: x, name: n}\nchecks:\n  - id: 1\n    title: t\n    condition: all\n    rules:\n      - 'x:/etc/passwd'\n",
      /^p\.yml:7:10: unknown rule type/,
    ],
    [
      "bad regex, at the regex's column",
      "policy: {id: x, name: n, regex_type: pcre2}\nchecks:\n  - id: 1\n    title: t\n    condition: all\n    rules:\n      - 'f:/etc/passwd -> r:([a-'\n",
      /^p\.yml:7:29: pcre2 regex: invalid regular expression/,
    ],
    [
      "an OS_Regex escape that does not exist",
      "policy: {id: x, name: n, regex_type: osregex}\nchecks:\n  - id: 1\n    title: t\n    condition: all\n    rules:\n      - f:/etc/passwd -> r:a\\qb\n",
      /^p\.yml:7:29: osregex regex: "\\q" is not an OS_Regex expression/,
    ],
    [
      "a numeric condition without a group",
      "policy: {id: x, name: n}\nchecks:\n  - id: 1\n    title: t\n    condition: all\n    rules:\n      - 'f:/etc/a -> n:^Max\\s+\\d+ compare <= 4'\n",
      /^p\.yml:7:\d+: the regex of a numeric condition needs a capture group/,
    ],
    [
      "an unknown comparison",
      "policy: {id: x, name: n}\nchecks:\n  - id: 1\n    title: t\n    condition: all\n    rules:\n      - 'f:/etc/a -> n:^Max\\s+(\\d+) compare ~ 4'\n",
      /unknown comparison "~": use one of/,
    ],
    [
      "a PCRE2 escape JavaScript reads differently (the default engine is pcre2)",
      "policy: {id: x, name: n}\nchecks:\n  - id: 1\n    title: t\n    condition: all\n    rules:\n      - f:/etc/passwd -> r:a\\Kb\n",
      /^p\.yml:7:29: pcre2 regex: the escape "\\K" is not supported/,
    ],
    [
      "a $word that names no variable stays as written",
      "policy: {id: x, name: n}\nvariables: {$a: /etc/a}\nchecks:\n  - id: 1\n    title: t\n    condition: all\n    rules:\n      - 'f:$b'\n",
      /^p\.yml:8:12: "\$b" is not an absolute path/,
    ],
    [
      "an arrow without spaces",
      "policy: {id: x, name: n}\nchecks:\n  - {id: 1, title: t, condition: all, rules: ['c:auditctl -l-> r:^-a']}\n",
      /^p\.yml:3:61: write " -> " with a space on each side/,
    ],
    [
      "a bad condition",
      "policy: {id: x, name: n}\nchecks:\n  - {id: 1, title: t, condition: most, rules: ['f:/x']}\n",
      /condition is all, any or none, not "most"/,
    ],
    [
      "a relative path",
      "policy: {id: x, name: n}\nchecks:\n  - {id: 1, title: t, condition: all, rules: ['f:etc/x']}\n",
      /not an absolute path/,
    ],
    [
      "a command without content",
      "policy: {id: x, name: n}\nchecks:\n  - {id: 1, title: t, condition: all, rules: ['c:id']}\n",
      /a command rule checks the output/,
    ],
    [
      "a process rule with content",
      "policy: {id: x, name: n}\nchecks:\n  - {id: 1, title: t, condition: all, rules: ['p:sshd -> r:x']}\n",
      /process rules only check/,
    ],
    [
      "a registry rule",
      "policy: {id: x, name: n}\nchecks:\n  - {id: 1, title: t, condition: all, rules: ['r:HKEY_LOCAL_MACHINE\\x']}\n",
      /Windows registry/,
    ],
    [
      "a duplicate check id",
      "policy: {id: x, name: n}\nchecks:\n  - {id: 1, title: t, condition: all, rules: ['f:/x']}\n  - {id: 1, title: u, condition: all, rules: ['f:/x']}\n",
      /^p\.yml:4:10: check id 1 is used twice/,
    ],
    [
      "no rules",
      "policy: {id: x, name: n}\nchecks:\n  - {id: 1, title: t, condition: all, rules: []}\n",
      /needs rules:/,
    ],
    [
      "an unclosed quote in a command",
      "policy: {id: x, name: n}\nchecks:\n  - {id: 1, title: t, condition: all, rules: ['c:echo \"a -> r:a']}\n",
      /unclosed " quote/,
    ],
  ];
  for (const [what, text, expected] of table)
    it(what, () => {
      const ps = problems(text);
      assert.ok(
        ps.some((p) => expected.test(p)),
        ps.join("\n"),
      );
    });

  it("reports every problem of a file at once, in file order", () => {
    const ps = problems(
      "policy: {id: x, name: n}\nchecks:\n  - {id: 1, title: t, condition: al, rules: ['f:/x']}\n  - {id: 2, title: u, condition: all, rules: ['q:/x']}\n",
    );
    assert.equal(ps.length, 2, ps.join("\n"));
    assert.match(ps[0], /^p\.yml:3:/);
    assert.match(ps[1], /^p\.yml:4:/);
  });

  it("takes Wazuh 5's name: for title: and its compliance object", () => {
    const p = parsePolicy(
      "policy: {id: x, name: n}\nchecks:\n  - {id: 1, name: t, condition: all, rules: ['f:/x'], compliance: {pci_dss: ['2.2']}}\n",
      "p.yml",
    );
    assert.equal(p.checks[0].title, "t");
    assert.deepEqual(p.checks[0].compliance, { pci_dss: ["2.2"] });
  });
});

describe("policies with command rules", () => {
  it("are refused when another user can change the file (c: rules run as mamori's user)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-policy-perm-"));
    try {
      const file = path.join(dir, "cmd.yml");
      fs.writeFileSync(
        file,
        "policy: {id: c, name: c}\nchecks:\n  - {id: 1, title: t, condition: all, rules: ['c:id -> r:uid']}\n",
      );
      fs.chmodSync(file, 0o644);
      assert.equal(loadPolicies([file]).length, 1);
      fs.chmodSync(file, 0o666);
      assert.throws(
        () => loadPolicies([file]),
        /cmd\.yml:1:1: the policy has c: rules, .* other users may change the file \(mode 0666\); chmod go-w/,
      );
      const files = path.join(dir, "files.yml");
      fs.writeFileSync(
        files,
        "policy: {id: f, name: f}\nchecks:\n  - {id: 1, title: t, condition: all, rules: ['f:/etc/passwd']}\n",
      );
      fs.chmodSync(files, 0o666);
      assert.equal(loadPolicies([files]).length, 1, "a policy without c: rules only reads files");
      fs.chmodSync(file, 0o644);
      // only root can give a file away; as another user the mode check above is the part that runs
      if (process.getuid?.() === 0) {
        fs.chownSync(file, 4242, 4242);
        assert.match(
          unsafeCommandPolicy(file, parsePolicy(fs.readFileSync(file, "utf8"), file), 0) ?? "",
          /owned by uid 4242; chown root/,
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
