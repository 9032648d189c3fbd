/** The failure counter keeps at most 4 KiB of each log line, as a copy that does not hold its parent. */
import assert from "node:assert/strict";
import { test } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { detachedLine, FailureCounter, MAX_LINE_CHARS } from "./failures.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test("kept lines are cut to MAX_LINE_CHARS and keep their text exactly", () => {
  const cases = [
    { line: "", want: "" },
    { line: "short", want: "short" },
    { line: "lone surrogate \ud800 kept", want: "lone surrogate \ud800 kept" },
    { line: "é".repeat(MAX_LINE_CHARS + 10), want: "é".repeat(MAX_LINE_CHARS) },
  ];
  for (const { line, want } of cases) assert.equal(detachedLine(line), want);
});

test("failures with 100 KB lines of 2,000 targets keep well under 100 MB of heap", () => {
  const counter = new FailureCounter({ maxretry: 100, findtimeMs: 600_000 });
  const targets = 2_000;
  const before = heapAfterGc();
  for (let i = 0; i < targets; i++) {
    // a fresh 100 KB parent per line, as a source reading big lines would hand over
    const line = `Nov 25 08:00:01 host sshd[1]: Failed password for ${"x".repeat(100_000)} ${i}`;
    counter.add(`10.0.${i >> 8}.${i & 255}`, 1000, [line]);
  }
  const grown = heapAfterGc() - before;
  assert.equal(counter.size, targets);
  assert.equal(counter.get("10.0.0.1")?.lines[0].length, MAX_LINE_CHARS);
  // 2,000 × 4 KiB = 8 MiB of copies (plus records); holding the parents would be 200 MB
  assert.ok(grown < 60e6, `heap grew by ${(grown / 1e6).toFixed(1)} MB`);
});

test("a short line split out of a big chunk does not keep the chunk", () => {
  const counter = new FailureCounter({ maxretry: 100, findtimeMs: 600_000 });
  const before = heapAfterGc();
  for (let i = 0; i < 500; i++) {
    const chunk = `${"y".repeat(200_000)}\nFailed password for root from 10.1.${i >> 8}.${i & 255}\n`;
    const line = chunk.split("\n")[1];
    counter.add(`10.1.${i >> 8}.${i & 255}`, 1000, [line]);
  }
  const grown = heapAfterGc() - before;
  assert.ok(grown < 30e6, `heap grew by ${(grown / 1e6).toFixed(1)} MB`);
});
