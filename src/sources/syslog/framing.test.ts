import assert from "node:assert/strict";
import { test } from "node:test";
import { type Framing, SyslogFramer } from "./framing.js";

/** Feeds the input in chunks of every size from 1 byte up, so split points land everywhere. */
function frames(input: string, mode: Framing, max = 64, chunk = input.length) {
  const f = new SyslogFramer(max, mode);
  const buf = Buffer.from(input, "utf8");
  const out = [];
  for (let i = 0; i < buf.length; i += chunk) out.push(...f.push(buf.subarray(i, i + chunk)));
  out.push(...f.end());
  return {
    texts: out.map((x) => x.text),
    flags: out.map((x) => (x.cut ? "cut" : x.partial ? "partial" : "")),
    f,
  };
}

const cases: Array<{ name: string; input: string; mode: Framing; texts: string[]; flags?: string[] }> = [
  {
    name: "newline",
    input: "<13>a\n<13>b\r\n\n<13>c\n",
    mode: "newline",
    texts: ["<13>a", "<13>b", "<13>c"],
  },
  { name: "auto → newline", input: "<13>a\n<13>b\n", mode: "auto", texts: ["<13>a", "<13>b"] },
  {
    name: "octet counting",
    input: "5 <13>a7 <13>b\nc",
    mode: "octet-counting",
    texts: ["<13>a", "<13>b\nc"],
  },
  {
    name: "auto → octet counting, trailing newlines tolerated",
    input: "5 <13>a\n5 <13>b\n",
    mode: "auto",
    texts: ["<13>a", "<13>b"],
  },
  {
    name: "newline: peer closed mid-message",
    input: "<13>a\n<13>half",
    mode: "newline",
    texts: ["<13>a", "<13>half"],
    flags: ["", "partial"],
  },
  {
    name: "octets: peer closed mid-message",
    input: "5 <13>a20 <13>only-",
    mode: "auto",
    texts: ["<13>a", "<13>only-"],
    flags: ["", "partial"],
  },
  {
    name: "newline: over-long line cut, connection goes on",
    input: `<13>${"x".repeat(100)}\n<13>next\n`,
    mode: "newline",
    texts: [`<13>${"x".repeat(12)}`, "<13>next"],
    flags: ["cut", ""],
  },
  {
    name: "octets: over-long message cut, connection goes on",
    input: `104 <13>${"y".repeat(100)}9 <13>after`,
    mode: "octet-counting",
    texts: [`<13>${"y".repeat(12)}`, "<13>after"],
    flags: ["cut", ""],
  },
  {
    name: "octets: not a length falls back to newlines",
    input: "12x <13>oops\n<13>ok\n",
    mode: "octet-counting",
    texts: ["12x <13>oops", "<13>ok"],
  },
  {
    name: "cut does not split a UTF-8 character",
    input: `${"a".repeat(15)}é\n`,
    mode: "newline",
    texts: ["a".repeat(15)],
    flags: ["cut"],
  },
];

test("frames TCP syslog streams, whatever the chunking", () => {
  for (const c of cases) {
    for (const chunk of [1, 2, 3, 7, 1000]) {
      const got = frames(c.input, c.mode, 16, chunk);
      assert.deepEqual(got.texts, c.texts, `${c.name} (chunks of ${chunk})`);
      if (c.flags) assert.deepEqual(got.flags, c.flags, `${c.name} flags (chunks of ${chunk})`);
    }
  }
});

test("counts cut, partial and bad lengths", () => {
  const { f } = frames(`30 <13>${"z".repeat(16)}`, "auto", 10, 4);
  assert.deepEqual(f.counters, { cut: 1, partial: 1, badLength: 0 });
  const bad = frames("abc 5 <13>x\n", "octet-counting", 64);
  assert.equal(bad.f.counters.badLength, 1);
});
