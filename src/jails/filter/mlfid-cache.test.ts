/** The failure-id cache and its digit-run index (a line without a cached id's digit run holds no cached id). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { innerDigitRun, MlfidCache } from "./mlfid-cache.js";

test("inner digit runs: the longest run of 3+ digits not touching the key's ends", () => {
  const rows: [string, string][] = [
    [" host sshd[20345]: ", "20345"],
    ["sshd[7]: ", ""],
    ["12345 x", ""],
    ["x 12345", ""],
    ["a 123 b 45678 c", "45678"],
    ["", ""],
  ];
  for (const [key, run] of rows) assert.equal(innerDigitRun(key), run, key);
});

test("mayHoldKey: false only when no cached key can be in the text", () => {
  const c = new MlfidCache(3, 1000);
  assert.equal(c.mayHoldKey("anything 20345"), false, "empty cache");
  c.set(" host sshd[20345]: ", {}, 0);
  const rows: [string, boolean][] = [
    ["Nov 25 08:00:01 host sshd[20345]: Connection closed by 10.0.0.1 port 22", true],
    ["Nov 25 08:00:01 host sshd[20346]: Connection closed by 10.0.0.1 port 22", false],
    ["Nov 25 08:00:01 host sshd[120345]: x", false],
    ["port 20345 elsewhere", true],
  ];
  for (const [line, want] of rows) assert.equal(c.mayHoldKey(line), want, line);
  c.unset(" host sshd[20345]: ");
  assert.equal(c.mayHoldKey("sshd[20345]"), false, "unset keys leave the index");
  c.set("no digits", {}, 0);
  assert.equal(c.mayHoldKey("x"), true, "a key without a digit run makes every text a maybe");
  c.unset("no digits");
  for (const k of ["a[111]b", "a[222]b", "a[333]b", "a[444]b"]) c.set(k, {}, 0);
  assert.equal(c.mayHoldKey("[111]"), false, "the oldest key was pushed out (3 at most)");
  assert.equal(c.mayHoldKey("[444]"), true);
  assert.equal(c.get("a[444]b", 2000), undefined, "expired");
  assert.equal(c.mayHoldKey("[444]"), false, "an expired key read leaves the index");
});

test("mayHoldKey: runs with leading zeros and runs longer than 9 digits are told apart exactly", () => {
  const c = new MlfidCache(10, 1000);
  c.set("a[0123]b", {}, 0);
  c.set("a[12345678901]b", {}, 0);
  const rows: [string, boolean][] = [
    ["x 0123 y", true],
    ["x 123 y", false],
    ["x 00123 y", false],
    ["x 12345678901 y", true],
    ["x 2345678901 y", false],
    ["x 123456789012 y", false],
    ["0123", true],
  ];
  for (const [line, want] of rows) assert.equal(c.mayHoldKey(line), want, line);
});
