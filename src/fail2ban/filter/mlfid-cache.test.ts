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

test("eviction is fail2ban's: oldest first, a re-set key keeps its place, expired ones go along", () => {
  const c = new MlfidCache(3, 1000);
  c.set("a", { n: 1 }, 0);
  c.set("b", {}, 500);
  c.set("c", {}, 600);
  // full: fail2ban pops before it assigns, even for a key it holds; "a" goes and comes back newest
  c.set("a", { n: 2 }, 700);
  c.set("d", {}, 800); // full: b, now the oldest, goes
  assert.equal(c.get("b", 800), undefined);
  assert.deepEqual(c.get("a", 800), { n: 2 });
  assert.ok(c.get("c", 800) && c.get("d", 800));
  // at 1650 c (until 1600) has expired: popping it frees no room for an unexpired entry, so a goes too
  c.set("e", {}, 1650);
  assert.equal(c.get("c", 1650), undefined);
  assert.equal(c.get("a", 1650), undefined);
  assert.ok(c.get("d", 1650) && c.get("e", 1650));

  const k = new MlfidCache(3, 1000);
  k.set("x", {}, 0);
  k.set("y", {}, 0);
  k.set("x", { again: 1 }, 0); // not full: x keeps its place, the oldest
  k.set("z", {}, 0);
  k.unset("y");
  k.set("w", {}, 0);
  k.set("v", {}, 0); // full (x, z, w): x goes, the list stays linked across the unset
  assert.equal(k.get("x", 0), undefined);
  assert.ok(k.get("z", 0) && k.get("w", 0) && k.get("v", 0));
});

test("keys sharing a digit run (one pid on two hosts), long runs and keys without a run are all kept apart", () => {
  const c = new MlfidCache(10, 1000);
  const keys = [
    " web-1 sshd[20057]: ",
    " web-2 sshd[20057]: ",
    " bastion sshd[20057]: ",
    "x 12345678901 y",
    "no run",
  ];
  for (const [i, k] of keys.entries()) c.set(k, { i }, 0);
  for (const [i, k] of keys.entries()) assert.deepEqual(c.get(k, 0), { i }, k);
  assert.equal(c.get(" web-3 sshd[20057]: ", 0), undefined, "same run, another key");
  c.unset(" web-2 sshd[20057]: "); // the middle of the run's chain
  assert.equal(c.get(" web-2 sshd[20057]: ", 0), undefined);
  assert.deepEqual(c.get(" web-1 sshd[20057]: ", 0), { i: 0 });
  assert.deepEqual(c.get(" bastion sshd[20057]: ", 0), { i: 2 });
  c.unset(" bastion sshd[20057]: "); // the head of the chain (set last)
  c.unset(" web-1 sshd[20057]: ");
  c.unset("no run");
  assert.equal(c.mayHoldKey("sshd[20057]"), false, "the run left the index with its last key");
  assert.equal(c.mayHoldKey("id 12345678901 again"), true);
  c.unset("x 12345678901 y");
  assert.equal(c.mayHoldKey("id 12345678901 again"), false);
});
