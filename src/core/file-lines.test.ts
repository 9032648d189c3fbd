import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { eachLineOfFile } from "./file-lines.js";

const dir = mkdtempSync(path.join(tmpdir(), "mamori-file-lines-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The lines eachLineOfFile gives, and those of one whole read split at "\n" (a final "" dropped). */
function both(name: string, content: Buffer | string): { got: string[]; want: string[] } {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  const got: string[] = [];
  eachLineOfFile(file, (l) => got.push(l));
  const want = readFileSync(file, "utf8").split("\n");
  if (want[want.length - 1] === "") want.pop();
  return { got, want };
}

test("lines as one whole read gives them: empty file, no final newline, empty lines, CRLF kept", () => {
  for (const [name, content] of [
    ["empty", ""],
    ["one", "a"],
    ["nl", "a\n"],
    ["blank", "a\n\n\nb\n"],
    ["crlf", "a\r\nb\r\n"],
    ["only-nl", "\n\n"],
  ] as const) {
    const { got, want } = both(name, content);
    assert.deepEqual(got, want, name);
  }
  assert.deepEqual(both("x", "a\n\nb").got, ["a", "", "b"]);
});

test("chunk boundaries: many lines, a line longer than the buffer, multi-byte and invalid UTF-8", () => {
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) lines.push(`line ${i} ${"é€😀".repeat(i % 7)} <script>$(rm -rf)</script>`);
  lines.splice(5000, 0, "x".repeat(300_000), `long ${"ü".repeat(100_000)}`);
  const text = Buffer.from(`${lines.join("\n")}\n`, "utf8");
  const { got, want } = both("many", text);
  assert.equal(got.length, lines.length);
  assert.deepEqual(got, want);
  // invalid bytes (a lone continuation byte, a cut sequence before "\n") become U+FFFD as in one read
  const bad = Buffer.concat([
    Buffer.from("ok\n"),
    Buffer.from([0x80, 0x41, 0xe2, 0x82, 0x0a, 0xff]),
    Buffer.from("\nend"),
  ]);
  const r = both("bad", bad);
  assert.deepEqual(r.got, r.want);
  assert.equal(r.got.length, 4);
  assert.ok(r.got[1].includes("\ufffd"));
});

test("chunks of ASCII only and chunks with UTF-8 or bytes over 0x7f in one file read alike", () => {
  // the first chunks (128 KiB each) are plain ASCII, read without UTF-8 decoding; then é and a Latin-1
  // byte (0xe9 alone is invalid UTF-8: U+FFFD, never "é" as latin1 would read it)
  const ascii = Array.from({ length: 12_000 }, (_, i) => `Nov 25 08:00:00 h sshd[${i}]: Failed password`);
  const text = Buffer.concat([
    Buffer.from(`${ascii.join("\n")}\n`),
    Buffer.from("café\n"),
    Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
    Buffer.from(`${ascii.slice(0, 5000).join("\n")}\n`),
  ]);
  const { got, want } = both("mixed", text);
  assert.deepEqual(got, want);
  assert.equal(got[12_000], "café");
  assert.equal(got[12_001], "caf\ufffd");
});
