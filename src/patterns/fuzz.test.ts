/**
 * Property tests (seeded, bounded in count and time): random and mutated patterns never crash the parser
 * (they compile or throw a PatternSyntaxError positioned inside the pattern), compiled matchers never throw
 * or hang on random lines, and the regex engine agrees with JavaScript's RegExp on ASCII text.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pick, seededRandom } from "../../bench/gen/auth-log.js";
import { lineColOf, PatternSyntaxError } from "./errors.js";
import { type CompiledPattern, compilePattern } from "./index.js";

const SEEDS = [
  '"[preauth]"',
  "ERROR -ARGUMENTS",
  "?ERROR ?WARN",
  "%4[0-9]{2}%",
  "%^\\[ERROR 42\\d\\]%",
  "[ip, user, username, timestamp, request, status_code=4*, bytes>1000]",
  "[ip=127.0.0.2 || ip=127.0.0.1, ...]",
  '[a, ..., b = %x+y%, c != "q" && c != r*]',
  '{ $.user.email = "*@example.com" || $.coordinates[0][1] = 9 && $.actions[2] = "nomatch" }',
  "{ ($.a IS TRUE || $.b NOT EXISTS) && $.['c.d'][0] >= 1e3 && $.e = * }",
  "{ $.x = %^a|b$% && $.y != %[^a-z]{2,}% }",
];
const ALPHABET = ' ,.[]{}()"%$*?-=!<>&|\\^+0123456789abcxyzAEIS_:#@/;\n\té';
const LINES = [
  "",
  "[ERROR 401] UNAUTHORIZED REQUEST",
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
  '{"user":{"id":1,"email":"a@example.com"},"actions":["GET"],"coordinates":[[0,1]],"a":true,"c.d":[2000],"x":"ab"}',
  '{"a":',
  '{"a":"\\u0041\\"","b":[1,{"c":[]}]} trailing',
  '[[[[""""]]]] {{{ }}} \\\\ "',
];

function randomText(rand: () => number, maxLen: number): string {
  const n = Math.floor(rand() * maxLen);
  let s = "";
  for (let i = 0; i < n; i++) s += pick(rand, ALPHABET.split(""));
  return s;
}

/** A seed pattern with a few characters inserted, deleted or replaced. */
function mutate(rand: () => number, pattern: string): string {
  let s = pattern;
  const edits = 1 + Math.floor(rand() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (s.length + 1));
    const op = Math.floor(rand() * 3);
    const ch = pick(rand, ALPHABET.split(""));
    s =
      op === 0
        ? s.slice(0, at) + ch + s.slice(at)
        : op === 1
          ? s.slice(0, at) + s.slice(at + 1)
          : s.slice(0, at) + ch + s.slice(at + 1);
  }
  return s;
}

function tryCompile(pattern: string): CompiledPattern | undefined {
  try {
    return compilePattern(pattern);
  } catch (err) {
    assert.ok(
      err instanceof PatternSyntaxError,
      `not a PatternSyntaxError for ${JSON.stringify(pattern)}: ${err}`,
    );
    assert.ok(
      err.offset >= 0 && err.offset <= pattern.length,
      `offset ${err.offset} outside ${JSON.stringify(pattern)}`,
    );
    const { line, col } = lineColOf(pattern, err.offset);
    assert.equal(err.line, line);
    assert.equal(err.col, col);
    assert.match(err.message, new RegExp(`^${line}:${col}: \\S`));
    return undefined;
  }
}

function checkMatch(p: CompiledPattern, line: string): void {
  const result = p.match(line);
  if (result === undefined) return;
  for (const [k, v] of Object.entries(result)) {
    assert.equal(typeof v, "string", `${p.source}: ${k} is not a string`);
  }
}

describe("fuzz: random and mutated patterns", () => {
  it("compile or throw a positioned PatternSyntaxError; matchers never throw", () => {
    const rand = seededRandom(20231125);
    const started = performance.now();
    let compiled = 0;
    let rejected = 0;
    for (let i = 0; i < 6000 && performance.now() - started < 20_000; i++) {
      const pattern = i % 3 === 0 ? randomText(rand, 40) : mutate(rand, pick(rand, SEEDS));
      const p = tryCompile(pattern);
      if (!p) {
        rejected++;
        continue;
      }
      compiled++;
      for (const line of LINES) checkMatch(p, line);
      checkMatch(p, randomText(rand, 200));
    }
    // Both outcomes must actually happen, or the generator is not exercising anything.
    assert.ok(compiled > 500, `only ${compiled} patterns compiled`);
    assert.ok(rejected > 500, `only ${rejected} patterns rejected`);
  });

  it("every seed pattern compiles", () => {
    for (const s of SEEDS) assert.ok(compilePattern(s));
  });
});

describe("fuzz: the regex engine agrees with RegExp on ASCII", () => {
  const ATOMS = ["a", "b", "c", ".", "\\d", "\\w", "\\s", "[ab]", "[^a]", "[a-c1]", "x", "1", " "];
  const QUANTS = ["", "", "", "*", "+", "?", "{2}", "{1,3}", "{2,}"];

  function randomRegex(rand: () => number): string {
    const alternatives = 1 + Math.floor(rand() * 3);
    const parts: string[] = [];
    for (let a = 0; a < alternatives; a++) {
      let s = rand() < 0.2 ? "^" : "";
      const n = 1 + Math.floor(rand() * 5);
      for (let i = 0; i < n; i++) s += pick(rand, ATOMS) + pick(rand, QUANTS);
      if (rand() < 0.2) s += "$";
      parts.push(s);
    }
    return parts.join("|");
  }

  it("on 3000 random regexes × 8 random strings", () => {
    const rand = seededRandom(7);
    for (let i = 0; i < 3000; i++) {
      const regex = randomRegex(rand);
      const ours = compilePattern(`%${regex}%`);
      const theirs = new RegExp(regex);
      for (let j = 0; j < 8; j++) {
        let text = "";
        const n = Math.floor(rand() * 12);
        for (let k = 0; k < n; k++) text += pick(rand, ["a", "b", "c", "x", "1", "2", " ", "\t", "-"]);
        assert.equal(
          ours.match(text) !== undefined,
          theirs.test(text),
          `%${regex}% on ${JSON.stringify(text)}`,
        );
      }
    }
  });
});
