/** JSON patterns and selectJsonValue: our own rows for each feature and each error (spec rows: ../spec.test.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilePattern, selectJsonValue } from "../index.js";

const EVENT = JSON.stringify({
  eventName: "ConsoleLogin",
  size: 1500,
  ratio: -0.25,
  big: 2e21,
  flag: false,
  nothing: null,
  code: "404",
  text: 'say "hi"\nplease',
  escaped: "\u0053uccess",
  nested: { list: [{ a: 1 }, { a: [10, 20] }], empty: {}, none: [] },
  "a.b": { "c d": "spaced" },
  "user-agent": "curl/8.0",
});

describe("JSON patterns", () => {
  const rows: [pattern: string, match: boolean, why?: string][] = [
    ['{ $.eventName = "ConsoleLogin" }', true],
    ["{ $.eventName = ConsoleLogin }", true, "unquoted string"],
    ['{ $.eventName != "ConsoleLogin" }', false],
    ['{ $.eventName = "Console*" }', true],
    ['{ $.eventName = "*Login" }', true],
    ['{ $.eventName = "*sole*" }', true],
    ['{ $.eventName = "*" }', true, "a lone wildcard matches any string"],
    ['{ $.eventName = "consolelogin" }', false, "case-sensitive"],
    ["{ $.size = 1500 }", true],
    ["{ $.size = 1.5e3 }", true, "scientific notation"],
    ["{ $.size = 1.5E+3 }", true],
    ["{ $.size > 1499.5 && $.size < 1500.5 }", true],
    ["{ $.size != 1500 }", false],
    ["{ $.size >= 1500 && $.size <= 1500 }", true],
    ["{ $.ratio < 0 }", true],
    ["{ $.big > 1e20 }", true],
    ['{ $.size = "1500" }', false, "a quoted string never equals a number"],
    ["{ $.code = 404 }", false, "a number never equals a string (stricter: AWS is silent)"],
    ['{ $.code = "4*" }', true],
    ["{ $.missing != 1 }", false, "'!=' needs the value to exist (stricter: AWS is silent)"],
    ['{ $.missing != "x" }', false],
    ["{ $.flag IS FALSE }", true],
    ["{ $.flag IS TRUE }", false],
    ["{ $.nothing IS NULL }", true],
    ["{ $.missing IS NULL }", false, "absent is not null"],
    ["{ $.nothing NOT EXISTS }", false, "null exists"],
    ["{ $.nested.list[1].a[1] = 20 }", true],
    ["{ $.nested.list[2] NOT EXISTS }", true],
    ["{ $.nested.list[0].a.b NOT EXISTS }", true, "a key under a number does not exist"],
    ["{ $.nested = * }", true, "= * matches an object that exists"],
    ["{ $.nested.none = * }", true],
    ["{ $.nothing = * }", true],
    ["{ $.missing = * }", false],
    ['{ $.nested = "x" }', false, "an object never equals a scalar"],
    ['{ $.nested != "x" }', false, "...nor is it unequal to one"],
    ["{ $.nested.list != 1 }", false, "an array is never unequal to a scalar"],
    ["{ $.['a.b'].['c d'] = spaced }", true],
    ['{ $[\'a.b\']["c d"] = "spaced" }', true, "brackets without the dot, double quotes"],
    ['{ $.user-agent = "curl/*" }', true],
    ['{ $.text = "say \\"hi\\"*" }', true, "escaped quotes in the pattern and the event"],
    ['{ $.escaped = "Success" }', true, "a \\u escape in the event (the prefilter must not reject it)"],
    ["{ $.eventName = %^Console[A-Z]% }", true],
    ["{ $.eventName != %Logout% }", true],
    ["{ $.size = %15% }", false, "regexes test strings only (stricter: AWS is silent)"],
    ["{ ($.size = 1 || $.size = 1500) && ($.flag IS FALSE) }", true],
    ['{ $.size = 1 || $.flag IS FALSE && $.eventName = "x" }', false, "&& binds tighter"],
    ["{ (($.size = 1500)) }", true],
    ["{$.size=1500}", true, "blanks are optional"],
  ];
  for (const [pattern, match, why] of rows) {
    it(`${pattern} → ${match ? "match" : "no match"}${why ? ` (${why})` : ""}`, () => {
      const p = compilePattern(pattern);
      assert.equal(p.kind, "json");
      assert.deepEqual(p.match(EVENT), match ? {} : undefined);
    });
  }

  const notJson: [what: string, message: string][] = [
    ["plain text", "eventName ConsoleLogin"],
    ["a JSON string", '"eventName"'],
    ["truncated on the way to the value", '{"nested":{"x":1,"eventName":"ConsoleLogin"'],
    ["cut short", '{"eventName":"ConsoleLogin","zz'],
    ["mismatched ends", '{"eventName":"ConsoleLogin"]'],
    ["empty", ""],
  ];
  for (const [what, message] of notJson) {
    it(`a message that is not JSON never matches, not even NOT EXISTS: ${what}`, () => {
      assert.equal(compilePattern('{ $.eventName = "ConsoleLogin" }').match(message), undefined);
      assert.equal(compilePattern("{ $.zzz NOT EXISTS }").match(message), undefined);
    });
  }

  it("a part broken on the way to a selected value makes the message not match", () => {
    assert.equal(
      compilePattern('{ $.eventName = "ConsoleLogin" }').match('{"a":1 "eventName":"ConsoleLogin"}'),
      undefined,
    );
    assert.equal(compilePattern("{ $.eventName NOT EXISTS }").match('{"a":1 "eventName":"x"}'), undefined);
  });

  it("known limit of lazy scanning: parts the pattern never walks through are not validated", () => {
    // The key text "zzz" is nowhere in the message, so NOT EXISTS is answered without walking it.
    assert.deepEqual(compilePattern("{ $.zzz NOT EXISTS }").match('{"a":1 "b":2}'), {});
  });

  it("blank space and top-level arrays are fine", () => {
    assert.deepEqual(compilePattern("{ $[1].a = 2 }").match(' [ {"a": 1} , {"a" : 2} ] '), {});
    assert.deepEqual(compilePattern("{ $.a = 2 }").match('\n{ "a" :\t2 }\n'), {});
  });
});

describe("JSON pattern errors", () => {
  const rows: [pattern: string, message: string][] = [
    ["{ $.a = }", "1:9: expected a value"],
    ["{ a = 1 }", "1:3: expected a selector like $.field, found 'a'"],
    ["{ $ = 1 }", "1:4: expected '.' and a property name after '$'"],
    ["{ $. = 1 }", "1:5: expected a property name after '.', found ' '"],
    ["{ $.a[x] = 1 }", "1:7: expected an array index (0, 1, ...) or a quoted property name"],
    ["{ $.a['b = 1 }", "1:7: unterminated property name: add the closing '"],
    ["{ $.a = 1", "1:10: expected '&&', '||' or '}'"],
    ["{ $.a = 1 & $.b = 2 }", "1:11: expected '&&' or '||'"],
    ["{ ($.a = 1 }", "1:12: expected '&&', '||' or ')'"],
    ["{ $.a IS MAYBE }", "1:10: expected TRUE, FALSE or NULL after IS"],
    ["{ $.a is true }", "1:7: expected an operator (= != < <= > >=), IS or NOT EXISTS"],
    ["{ $.a NOT THERE }", "1:11: expected EXISTS after NOT"],
    ["{ $.a = true }", "1:9: to test for true write 'IS TRUE'; to compare a string quote it"],
    ["{ $.a > abc }", "1:9: '>' compares numbers: expected a number like 100, 1.5 or 1e3"],
    ["{ $.a != * }", "1:10: '*' (exists) works only with '='; use NOT EXISTS for absence"],
    ['{ $.a = "x*y" }', "1:11: '*' is a wildcard only at the start or end of a value"],
    ["{ $.a = %x% && $.b = %y% && $.c = %z% }", "1:35: a filter pattern can contain at most 2 regexes"],
    ["{ $.a = %a(b)% }", "1:11: groups are not supported in filter-pattern regexes"],
    ["{ $.a = 1 } x", "1:13: unexpected text after '}': a JSON pattern ends with '}'"],
  ];
  for (const [pattern, message] of rows) {
    it(`${pattern} → ${message}`, () => assert.throws(() => compilePattern(pattern), { message }));
  }
});

describe("selectJsonValue", () => {
  const rows: [selector: string, value: unknown][] = [
    ["$.size", 1500],
    ["$.eventName", "ConsoleLogin"],
    ["$.text", 'say "hi"\nplease'],
    ["$.escaped", "Success"],
    ["$.flag", false],
    ["$.nothing", null],
    ["$.nested.list[1].a", [10, 20]],
    ["$.nested.list[0]", { a: 1 }],
    ["$.['a.b'].['c d']", "spaced"],
    ["$.missing", undefined],
    ["$.size.deeper", undefined],
  ];
  for (const [selector, value] of rows) {
    it(`${selector} → ${JSON.stringify(value)}`, () =>
      assert.deepEqual(selectJsonValue(EVENT, selector), value));
  }

  it("is undefined when the message is not JSON", () => {
    assert.equal(selectJsonValue("size=1500", "$.size"), undefined);
    assert.equal(selectJsonValue('{"size":', "$.size"), undefined);
  });

  it("throws a positioned PatternSyntaxError for a bad selector", () => {
    assert.throws(() => selectJsonValue(EVENT, "size"), {
      name: "PatternSyntaxError",
      message: /^1:1: expected a selector/,
    });
    assert.throws(() => selectJsonValue(EVENT, "$.a b"), {
      message: "1:5: unexpected text after the selector",
    });
  });
});
