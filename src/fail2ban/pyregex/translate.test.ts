/**
 * Python re vs the JS translation, case by case: each row is run by python3 (the oracle) and by the
 * translated RegExp; the match span and every named group must agree. Rows that Python rejects must be
 * rejected with a PyRegexError.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { checkSyntax, groupDict, groupDictBuilder, PyRegexError, translatePyRegex } from "./index.js";
import { fail2banPattern } from "./tags.js";

const CASES: [pattern: string, subject: string][] = [
  [String.raw`^(?P<a>\d+)-(?P=a)$`, "12-12"],
  [String.raw`^(?P<a>\d+)-(?P=a)$`, "12-13"],
  [String.raw`(?i)user (?P<u>\w+)`, "USER Bob"],
  [String.raw`SASL (?i:login|plain) x`, "SASL LoGiN x"],
  [String.raw`^a$`, "a\n"],
  [String.raw`^a\Z`, "a\n"],
  [String.raw`\Aa.c`, "a\nc"],
  [String.raw`(?s)a.c`, "a\nc"],
  [String.raw`a.c`, "a\rc"],
  [String.raw`\w+`, "héllo wörld"],
  [String.raw`\d+`, "x ٣٤ y"],
  [String.raw`\s+`, "a\u001c\u0085b"],
  [String.raw`\bfoo\b`, "éfoo foo"],
  [String.raw`[^\W\d]+`, "12ab_3"],
  [String.raw`[\w.-]+@`, "a.b-c@x"],
  [String.raw`x{,2}y`, "xxxy"],
  [String.raw`a{2`, "a{2"],
  [String.raw`[]a]+`, "]a]"],
  [String.raw`\x41\u00e9\0`, "Aé\u0000"],
  [String.raw`(?P<x>a)?b(?(x)c|d)`, "bd"],
  [String.raw`(?P<x>a)?b(?(x)c|d)`, "abc"],
  [String.raw`(?P<x>a)?b(?(x)c|d)`, "abd"],
  [String.raw`^(?:(?P<c>x)|y)z(?(c)1|2)$`, "yz2"],
  [String.raw`(a)(?(1)b)`, "ab"],
  [String.raw`(?x) a b # comment`, "ab"],
  [String.raw`(?>a+)b`, "aaab"],
  [String.raw`a++b`, "aaab"],
  [String.raw`(?<=ab)c`, "abc"],
  [String.raw`(?<=a+)c`, "aac"],
  [String.raw`a(?i)b`, "aB"],
  [String.raw`\p{L}`, "x"],
  [String.raw`(?P<1a>x)`, "x"],
  [String.raw`(a`, "a"],
  [String.raw`a**`, "a"],
  [String.raw`\e`, "e"],
  [String.raw`[z-a]`, "a"],
  [String.raw`(?P<n>a)(?P<n>b)`, "ab"],
  // V8's `v` flag fails this shape (fail2ban's rfc5424 __prefix_line): the translation must not use it
  [String.raw`^(?:[^a]+|(?:a[^c]*c)+)X`, "abcX"],
  [String.raw`^\S+ (?:[^\[\]\s]+|(?:\[(?:[^\]"]*|"[^"]*")*\])+)\s+X`, 'h [q a="1"][b c="[d]"] X'],
  [
    fail2banPattern("^Failed for <F-USER>.+</F-USER> from <HOST>( port \\d+)?$"),
    "Failed for root from 10.0.0.1 port 22",
  ],
  [fail2banPattern("^Failed for <F-USER>.+</F-USER> from <HOST>$"), "Failed for x from [2001:db8::1]"],
  [fail2banPattern("^conn <SUBNET>$"), "conn 10.0.0.0/8"],
  [fail2banPattern("^<F-ALT_USER>\\w+</F-ALT_USER> at <ADDR>$"), "bob at ::ffff:1.2.3.4"],
];

interface PyResult {
  error?: string;
  span?: [number, number] | null;
  groups?: Record<string, string | null>;
}

function python(cases: [string, string][]): PyResult[] {
  const script = `
import sys, json, re
out = []
for p, s in json.load(sys.stdin):
    try:
        r = re.compile(p)
    except re.error as e:
        out.append({"error": str(e)}); continue
    m = r.search(s)
    out.append({"span": list(m.span()) if m else None, "groups": m.groupdict() if m else None})
print(json.dumps(out))`;
  return JSON.parse(
    execFileSync("python3", ["-c", script], { input: JSON.stringify(cases), encoding: "utf8" }),
  );
}

test("translated regexes match what Python's re matches", () => {
  const want = python(CASES);
  CASES.forEach(([pattern, subject], i) => {
    const w = want[i];
    const label = `${pattern} on ${JSON.stringify(subject)}`;
    if (w.error) {
      assert.throws(() => translatePyRegex(pattern), PyRegexError, `${label}: Python says ${w.error}`);
      return;
    }
    const t = translatePyRegex(pattern);
    const m = t.regex.exec(subject);
    if (!w.span) {
      assert.equal(m, null, label);
      return;
    }
    assert.ok(m, `${label}: no match, Python matched ${JSON.stringify(w.span)}`);
    assert.deepEqual([m.index, m.index + m[0].length], w.span, label);
    const got = groupDict(t, m);
    assert.deepEqual(groupDictBuilder(t)(m), got, `${label}: the generated dict builder agrees`);
    const norm = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v ?? null]));
    assert.deepEqual(norm, w.groups, label);
  });
});

test("required literals are found for prefilters", () => {
  assert.deepEqual(translatePyRegex(String.raw`^Failed \S+ for (?:invalid user )?x from`).literals, [
    "Failed ",
    "x from",
    " for ",
  ]);
  assert.ok(translatePyRegex(String.raw`^Accepted \w+ for`).literals.includes("Accepted "));
  assert.deepEqual(translatePyRegex(String.raw`(?i)Accepted`).literals, []);
});

test("the syntax check without Unicode property classes refuses exactly what new RegExp refuses", () => {
  const sources = [
    String.raw`^[\p{L}\p{N}_]+ \p{Nd}{1,3}\P{Nd}$`,
    String.raw`[\p{L}-z]`,
    String.raw`[a-\p{Nd}]`,
    String.raw`\\p{L}`,
    String.raw`\\\p{L}`,
    String.raw`(?<=\p{L})x(?!\P{N})`,
    String.raw`\p{L}{2,1}`,
    String.raw`(\p{L}`,
    String.raw`[\P{L}\s]`,
    String.raw`\p{L}*?+`,
  ];
  for (const source of sources) {
    for (const flags of ["u", "iu"]) {
      let want: string | undefined;
      try {
        new RegExp(source, flags);
      } catch (err) {
        want = (err as Error).name;
      }
      let got: string | undefined;
      try {
        checkSyntax(source, flags);
      } catch (err) {
        got = (err as Error).name;
      }
      assert.equal(got, want, `/${source}/${flags}`);
    }
  }
});

test("the RegExp of a translation is built on first use, from its source and flags", () => {
  const t = translatePyRegex(String.raw`^\w+ from (?P<host>\d+\.\d+)$`);
  assert.equal(t.regex, t.regex, "built once");
  assert.equal(t.regex.source, t.source);
  assert.equal(t.regex.flags, t.flags);
  assert.equal(t.regex.exec("ünïcode from 1.2")?.[t.named.get("host")?.[0] ?? -1], "1.2");
});
