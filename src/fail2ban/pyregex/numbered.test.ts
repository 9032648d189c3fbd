/** Named groups → numbered: the same captures at the indexes the table gives, and nothing else touched. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { numberGroups } from "./numbered.js";

test("named groups become numbered, in order of their opening parentheses", () => {
  const { source, index } = numberGroups(String.raw`^(?<a>x(?<b>y))(?:z)(?<c>\d+)`);
  assert.equal(source, String.raw`^(x(y))(?:z)(\d+)`);
  assert.deepEqual(
    [...index],
    [
      ["a", 1],
      ["b", 2],
      ["c", 3],
    ],
  );
  const m = new RegExp(source).exec("xyz42");
  assert.deepEqual(
    [m?.[index.get("a") ?? 0], m?.[index.get("b") ?? 0], m?.[index.get("c") ?? 0]],
    ["xy", "y", "42"],
  );
});

test("lookbehinds, escaped and bracketed parentheses are not groups; backreferences follow their group", () => {
  const src = String.raw`(?<=a)(?<!b)\((?<n>[(?<x>)]+)\)(?=(?<at>q))\k<at>\k<n>`;
  const { source, index } = numberGroups(src);
  assert.equal(source, String.raw`(?<=a)(?<!b)\(([(?<x>)]+)\)(?=(q))(?:\2)(?:\1)`);
  assert.deepEqual(
    [...index],
    [
      ["n", 1],
      ["at", 2],
    ],
  );
  const m = new RegExp(source, "u").exec("a(<>)q<>");
  assert.ok(m, "the numbered source still matches");
  assert.equal(m[1], "<>");
});

test("an unnamed capture counts too", () => {
  const { source, index } = numberGroups(String.raw`(x)(?<n>y)\k<n>`);
  assert.equal(source, String.raw`(x)(y)(?:\2)`);
  assert.equal(index.get("n"), 2);
});
