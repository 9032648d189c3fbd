import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { expandGlobs, globBase, globToRegExp } from "./glob.js";

test("glob patterns match whole paths", () => {
  const cases: Array<[string, string, boolean]> = [
    ["/l/**/*.log.gz", "/l/a.log.gz", true],
    ["/l/**/*.log.gz", "/l/a/b/c.log.gz", true],
    ["/l/**/*.log.gz", "/l/a/b/c.log", false],
    ["/l/*.log", "/l/a/b.log", false],
    ["/l/?.json", "/l/a.json", true],
    ["/l/?.json", "/l/ab.json", false],
    ["/l/[ab]*.json", "/l/b1.json", true],
    ["/l/[!ab]*.json", "/l/b1.json", false],
    ["/l/*.{json,json.gz}", "/l/x.json.gz", true],
    ["/l/*.{json,json.gz}", "/l/x.jsonl", false],
    ["/l/a+b(1).log", "/l/a+b(1).log", true],
  ];
  for (const [glob, p, want] of cases) assert.equal(globToRegExp(glob).test(p), want, `${glob} ~ ${p}`);
  assert.equal(globBase("/var/log/vpc/**/*.gz"), "/var/log/vpc");
  assert.equal(globBase("/var/log/*/x.gz"), "/var/log");
});

test("expandGlobs walks the tree (no directory symlinks), plain paths too", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mamori-glob-"));
  try {
    await mkdir(path.join(dir, "a/b"), { recursive: true });
    for (const f of ["x.log.gz", "a/y.log.gz", "a/b/z.log.gz", "a/b/skip.txt"])
      await writeFile(path.join(dir, f), "");
    await symlink(dir, path.join(dir, "a/loop"));
    assert.deepEqual(await expandGlobs([`${dir}/**/*.log.gz`]), [
      `${dir}/a/b/z.log.gz`,
      `${dir}/a/y.log.gz`,
      `${dir}/x.log.gz`,
    ]);
    assert.deepEqual(await expandGlobs([`${dir}/*/*.log.gz`, `${dir}/a/b/skip.txt`, `${dir}/missing`]), [
      `${dir}/a/b/skip.txt`,
      `${dir}/a/y.log.gz`,
    ]);
    assert.deepEqual(await expandGlobs([`${dir}/nowhere/**/*.gz`]), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
