import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuditRegexError, compileAuditRegex, type RegexEngine } from "./regex.js";

/** [engine, pattern, line, matches] — the dialects as Wazuh's documentation describes them */
const cases: Array<[RegexEngine, string, string, boolean]> = [
  ["osregex", "^\\s*PermitRootLogin\\s+no", "  PermitRootLogin no", true],
  ["osregex", "^\\s*PermitRootLogin\\s+no", "permitrootlogin no", true], // OS_Regex ignores case
  ["osregex", "^\\s*PermitRootLogin\\s+no", "#PermitRootLogin no", false],
  ["osregex", "^\\s*MaxAuthTries\\s*\\t*4", "MaxAuthTries\t4", true],
  ["osregex", "\\s", "a\tb", false], // \s is the space only
  ["osregex", "pam_unix.so", "pam_unixXso", false], // . is a literal dot
  ["osregex", "Port\\.+22", "Port 22", true], // \. is any character
  ["osregex", "^\\w+:\\w+:0:", "r-o@t:x:0:0", true], // \w takes - and @
  ["osregex", "\\p", "a;b", true],
  ["osregex", "^a|b$", "xb", true],
  ["osregex", "a$b", "a$b", true], // $ inside is literal
  ["osregex", "\\$6\\$", "root:$6$salt", true],
  ["osregex", "x+", "x+", true], // + only counts after a backslash class
  ["osregex", "[a]", "[a]", true],
  ["pcre2", "^\\s*PermitRootLogin\\s+no", "\tPermitRootLogin no", true],
  ["pcre2", "^PermitRootLogin", "permitrootlogin no", true], // as Wazuh 5: PCRE2_CASELESS
  ["pcre2", "(?i)^PermitRootLogin", "permitrootlogin no", true],
  ["pcre2", "\\Afoo\\z", "foo", true],
  ["pcre2", "^[[:digit:]]+$", "123", true],
  ["pcre2", "^[[:space:]]*x", " \tx", true],
  ["pcre2", "a\\hb", "a\tb", true],
  ["pcre2", "(?P<n>\\d+)", "42", true],
  ["pcre2", "^(?!no$)\\S", "yes", true],
  ["pcre2", "^(?!no$)\\S", "no", false],
  ["pcre2", '^\\"a\\:b\\ c\\#', '"a:b c#', true], // any non-alphanumeric escape is a literal
  ["pcre2", "[\\w\\-@]+$", "a-b@c", true],
  ["pcre2", "\\e", "\x1b", true],
  ["pcre2", "a\\H+b", "axyb", true],
];

describe("audit regex dialects", () => {
  for (const [engine, pattern, line, expected] of cases)
    it(`${engine} ${pattern} ${expected ? "matches" : "does not match"} ${JSON.stringify(line)}`, () => {
      assert.equal(compileAuditRegex(pattern, engine).test(line), expected);
    });

  const errors: Array<[RegexEngine, string, RegExp]> = [
    ["osregex", "\\q", /not an OS_Regex expression/],
    ["osregex", "(a", /unbalanced "\("/],
    ["osregex", "a)", /unbalanced "\)"/],
    ["osregex", "a\\", /lone backslash/],
    ["pcre2", "a++", /possessive/],
    ["pcre2", "(?>a)", /atomic/],
    ["pcre2", "a(?i)b", /only supported at the start/],
    ["pcre2", "(?x)a", /inline flag "\(\?x\)"/],
    ["pcre2", "([a-", /invalid regular expression/],
    ["pcre2", "[[:foo:]]", /POSIX class/],
    ["pcre2", "a\\qb", /the escape "\\q" is not supported/],
  ];
  for (const [engine, pattern, message] of errors)
    it(`${engine} ${pattern} is refused`, () => {
      assert.throws(
        () => compileAuditRegex(pattern, engine),
        (err: unknown) => {
          assert.ok(err instanceof AuditRegexError);
          assert.match(err.message, message);
          return true;
        },
      );
    });
});
