/** Term patterns: our own rows for each feature and each error (the spec's rows are in spec.test.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilePattern } from "./index.js";

const LINE =
  "Nov 25 08:21:45 web-1 sshd[24078]: Failed password for invalid user admin from 203.0.113.5 port 2222 ssh2";

describe("term patterns", () => {
  const rows: [pattern: string, match: boolean, why: string][] = [
    ["sshd", true, "substring"],
    ["ssh", true, "a term matches inside a word"],
    ["SSHD", false, "case-sensitive"],
    ["Failed admin", true, "all terms, any order"],
    ["admin Failed", true, "order does not matter"],
    ["Failed root", false, "every term must occur"],
    ['"Failed password"', true, "quoted phrase"],
    ['"password Failed"', false, "a phrase is matched as written"],
    ['"203.0.113.5"', true, "punctuation inside quotes"],
    ['"say \\"hi\\""', false, "escaped quotes inside a phrase"],
    ["?root ?admin", true, "any of"],
    ["?root ?nobody", false, "none of the '?' terms"],
    ['?"Invalid user" ?"Failed password"', true, "'?' with quoted phrases"],
    ["Failed -Accepted", true, "exclusion absent"],
    ["Failed -invalid", false, "exclusion present"],
    ['-"Accepted publickey"', true, "only an exclusion"],
    ["ssh2 %port \\d+ ssh2$%", true, "regex term"],
    ["Failed %from \\d+\\.\\d+%", true, "regex term with a plain term"],
    ["Failed -%port \\d+%", false, "excluded regex term"],
    ["?%^Accepted% ?%ssh2$%", true, "'?' regex terms"],
    ['"" Failed', true, "an empty phrase with a term"],
    ["  Failed   admin  ", true, "blanks around and between terms"],
    ["under_score", false, "'_' is a word character"],
  ];
  for (const [pattern, match, why] of rows) {
    it(`${pattern} → ${match ? "match" : "no match"} (${why})`, () => {
      const p = compilePattern(pattern);
      assert.equal(p.kind, "term");
      assert.deepEqual(p.match(LINE), match ? {} : undefined);
    });
  }

  it("blank and \"\" patterns are 'all' and match every event, even an empty one", () => {
    for (const pattern of ["", "   ", '""', ' "" ']) {
      const p = compilePattern(pattern);
      assert.equal(p.kind, "all");
      assert.deepEqual(p.match(""), {});
      assert.deepEqual(p.match(LINE), {});
    }
  });

  it("a whole-pattern %regex% is a regex pattern; %re% followed by a term is a term pattern", () => {
    assert.equal(compilePattern("%ssh2$%").kind, "regex");
    assert.equal(compilePattern("  %ssh2$%  ").kind, "regex");
    assert.equal(compilePattern("%ssh2$% Failed").kind, "term");
  });
});

describe("linear patterns (they run with no watchdog)", () => {
  it("plain and quoted terms are linear; a %regex% term, space-delimited and JSON patterns are not", () => {
    for (const p of ["", "ERROR", '"[preauth]"', "ERROR -DEBUG", "?ERROR ?WARN"])
      assert.equal(compilePattern(p).linear, true, p);
    for (const p of ["%a.{999}c%", "ERROR %time.*out%", "[ip, user, ...]", '{ $.level = "error" }'])
      assert.equal(compilePattern(p).linear, false, p);
  });
});

describe("term pattern errors", () => {
  const rows: [pattern: string, message: string][] = [
    [
      "203.0.113.5",
      "1:4: expected a term: put terms with characters other than letters, digits and '_' in double quotes",
    ],
    [
      "ERROR [preauth]",
      "1:7: expected a term: put terms with characters other than letters, digits and '_' in double quotes",
    ],
    ['"unterminated', "1:1: unterminated string: add the closing '\"'"],
    ['Failed"x"', "1:7: expected a space between terms"],
    ["? Failed", "1:2: expected a term after the prefix"],
    ["Failed -", "1:9: expected a term after the prefix"],
    // Stricter than AWS, which does not document mixing: '?' terms only with other '?' terms.
    [
      "?ERROR WARN",
      "1:8: '?' (any of) terms cannot be mixed with plain or '-' terms: prefix every term with '?'",
    ],
    [
      "?ERROR -WARN",
      "1:8: '?' (any of) terms cannot be mixed with plain or '-' terms: prefix every term with '?'",
    ],
    ["%abc", "1:1: unterminated regex: add the closing '%'"],
    // AWS limits regexes to 2 in JSON and space-delimited patterns; we apply the limit to term patterns too.
    ["%a% %b% %c%", "1:9: a filter pattern can contain at most 2 regexes"],
    [`${"a".repeat(1025)}`, "1:1025: a filter pattern has at most 1024 characters"],
  ];
  for (const [pattern, message] of rows) {
    it(`${pattern.slice(0, 40)} → ${message}`, () =>
      assert.throws(() => compilePattern(pattern), { message }));
  }

  it("positions count lines in a multi-line pattern", () => {
    assert.throws(() => compilePattern("Failed\n  a.b"), { message: /^2:4: /, name: "PatternSyntaxError" });
    try {
      compilePattern("Failed\n  a.b");
    } catch (err) {
      assert.equal((err as { line: number }).line, 2);
      assert.equal((err as { col: number }).col, 4);
    }
  });
});
