/** Space-delimited patterns: our own rows for each feature and each error (spec rows: ../spec.test.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilePattern } from "../index.js";
import { FieldSplitter } from "./fields.js";

describe("splitting an event into fields", () => {
  const rows: [line: string, fields: string[]][] = [
    ["a b c", ["a", "b", "c"]],
    ["  a   b  ", ["a", "b"]], // a run of spaces is one separator (AWS is silent; fields are never empty)
    ['"quoted field" [bracketed field] x', ["quoted field", "bracketed field", "x"]],
    ['"unterminated x', ['"unterminated', "x"]],
    ['a"b c', ['a"b', "c"]],
    ["[a] b]", ["a", "b]"]],
    ["[a b]c d] e", ["a b]c d", "e"]],
    ['""', [""]],
    ["tab\tinside", ["tab\tinside"]], // only spaces separate
    ["", []],
  ];
  for (const [line, fields] of rows) {
    it(`${JSON.stringify(line)} → ${JSON.stringify(fields)}`, () => {
      const sp = new FieldSplitter();
      const n = sp.split(line, 1000);
      const got = Array.from({ length: n }, (_, i) => line.slice(sp.starts[i], sp.ends[i]));
      assert.deepEqual(got, fields);
    });
  }

  it("grows past 64 fields", () => {
    const line = Array.from({ length: 300 }, (_, i) => `f${i}`).join(" ");
    const sp = new FieldSplitter();
    assert.equal(sp.split(line, 1000), 300);
    assert.equal(line.slice(sp.starts[299], sp.ends[299]), "f299");
  });
});

const LINE = '10.0.0.1 GET "/api/v1/items?id=7" 200 1.5e3 -12 egress 007';

describe("space-delimited patterns", () => {
  const rows: [pattern: string, match: boolean][] = [
    ["[ip, method, path, status, size, delta, dir, code]", true],
    ["[ip, method, path, status, size, delta, dir]", false], // 7 names, 8 fields
    ["[ip, method, path, status, size, delta, dir, code, extra]", false],
    ["[ip, method, path, status, size, delta, dir, code, ...]", true], // '...' may stand for no field
    ["[..., ip, method, path, status, size, delta, dir, code]", true],
    ["[...]", true],
    ["[ip = 10.0.0.*, ...]", true],
    ["[ip = *.0.1, ...]", true],
    ["[ip = *0.0*, ...]", true],
    ['[ip = "10.0.0.1", ...]', true],
    ["[ip != 10.0.0.1, ...]", false],
    ["[ip, method = get, ...]", false], // case-sensitive
    ['[ip, method, path = "/api/*", ...]', true],
    ["[ip, method, path = %^/api/v\\d+/%, ...]", true],
    ["[ip, method, path != %items%, ...]", false],
    ["[ip, method, path, status >= 200 && status < 300, ...]", true],
    ["[ip, method, path, status = 200.0, ...]", true], // numeric equality
    ["[ip, method, path, status = 2*, ...]", true],
    ["[ip, method, path, status, size = 1500, ...]", true], // 1.5e3 in the event is a number
    ["[ip, method, path, status, size > 1e3, ...]", true], // scientific notation in the pattern
    ["[ip, method, path, status, size, delta < 0, ...]", true],
    ["[ip, method, path, status, size, delta, dir = egress || dir = ingress, ...]", true],
    ["[ip, method, path, status, size, delta, dir = x || dir = y && dir = egress, ...]", false], // && first
    ["[..., code = 7]", true], // leading zeros still read as a number
    ["[ip > 5, ...]", false], // numeric comparisons never match text that is not a number
    ["[ip != 5, ...]", false], // ...not even '!=' (stricter reading: AWS is silent)
    ["[..., dir, code]", true],
    ["[ip, ..., dir = egress, code]", true],
    ["[ip,method,path,status,size,delta,dir,code]", true], // blanks are optional
  ];
  for (const [pattern, match] of rows) {
    it(`${pattern} → ${match ? "match" : "no match"}`, () => {
      const p = compilePattern(pattern);
      assert.equal(p.kind, "space");
      assert.equal(p.match(LINE) !== undefined, match);
    });
  }

  it("extracts named fields and numbers the ellipsis fields $1, $2, ... in order", () => {
    assert.deepEqual(compilePattern("[ip, method, ..., dir, code]").match(LINE), {
      $ip: "10.0.0.1",
      $method: "GET",
      $1: "/api/v1/items?id=7",
      $2: "200",
      $3: "1.5e3",
      $4: "-12",
      $dir: "egress",
      $code: "007",
    });
  });

  it("an empty ellipsis extracts no $N values", () => {
    const values = compilePattern("[ip, method, path, status, size, delta, dir, code, ...]").match(LINE);
    assert.deepEqual(Object.keys(values ?? {}), [
      "$ip",
      "$method",
      "$path",
      "$status",
      "$size",
      "$delta",
      "$dir",
      "$code",
    ]);
  });

  it("a line with fewer fields than a trailing-ellipsis pattern needs does not match", () => {
    assert.equal(compilePattern("[a, b, c, ...]").match("x y"), undefined);
    assert.deepEqual(compilePattern("[a, b, ...]").match("x y"), { $a: "x", $b: "y" });
  });
});

describe("space-delimited pattern errors", () => {
  const rows: [pattern: string, message: string][] = [
    ["[ip, user", "1:10: expected ',' or ']'"],
    ["[]", "1:2: expected a field name (letters, digits and '_') or '...', found ']'"],
    ["[ip,]", "1:5: expected a field name (letters, digits and '_') or '...', found ']'"],
    ["[flow-direction]", "1:6: expected ',' or ']'"],
    ["[ip, ip]", "1:6: field name 'ip' is used twice: give each field its own name"],
    ["[..., a, ...]", "1:10: only one '...' is allowed in a pattern"],
    ["[a =]", "1:5: expected a value"],
    ["[a = 1 &&]", "1:10: expected a field name (letters, digits and '_') or '...', found ']'"],
    ["[a = 1 && b = 2]", "1:11: every condition in this field must name 'a' (found 'b')"],
    ["[a = 1 & a = 2]", "1:8: expected '&&', '||', ',' or ']'"],
    ["[a > x]", "1:6: '>' compares numbers: expected a number like 100, 1.5 or 1e3"],
    ["[a == 1]", "1:4: use '=' to compare ('==' is not an operator here)"],
    ["[a = b*c]", "1:7: '*' is a wildcard only at the start or end of a value"],
    ["[a = x=y]", "1:7: unexpected '=' in a value: put the value in double quotes"],
    ['[a = "x]', "1:6: unterminated string: add the closing '\"'"],
    ["[a] b", "1:5: unexpected text after ']': a space-delimited pattern ends with ']'"],
    ["[a = %x%, b = %y%, c = %z%]", "1:24: a filter pattern can contain at most 2 regexes"],
    ["[a = %(x)%]", "1:7: groups are not supported in filter-pattern regexes"],
  ];
  for (const [pattern, message] of rows) {
    it(`${pattern} → ${message}`, () => assert.throws(() => compilePattern(pattern), { message }));
  }
});
