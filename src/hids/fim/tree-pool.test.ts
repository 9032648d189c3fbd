import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ManualClock } from "../../core/clock.js";
import { waitFor } from "../../testing/wait.js";
import { harness, tempDir } from "./testing/harness.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** 30 folders (some nested) of 60 files, one folder of 1,300 (more than a worker's message holds). */
function wideTree(root: string): void {
  for (let d = 0; d < 30; d++) {
    const folder = path.join(root, `d${d % 10}`, ...(d >= 10 ? [`n${d}`] : []));
    fs.mkdirSync(folder, { recursive: true });
    for (let f = 0; f < 60; f++) fs.writeFileSync(path.join(folder, `f${f}.txt`), `${d}/${f}\n`);
  }
  fs.mkdirSync(path.join(root, "big"));
  for (let f = 0; f < 1300; f++) fs.writeFileSync(path.join(root, "big", `f${f}`), `${f}`);
  fs.symlinkSync("../big/f1", path.join(root, "d0", "link"));
  fs.writeFileSync(path.join(root, "d1", "skip.swp"), "ignored");
}

/** Paths at and under root, symlinks not followed, names ending .swp left out. */
function countPaths(root: string): number {
  let n = 1;
  for (const d of fs.readdirSync(root, { withFileTypes: true })) {
    if (d.name.endsWith(".swp")) continue;
    n += d.isDirectory() ? countPaths(path.join(root, d.name)) : 1;
  }
  return n;
}

describe("FIM baseline in worker threads (tree-pool.ts)", () => {
  it("every path once across workers and jobs; the main thread's compare agrees with every row", async () => {
    const dir = tempDir("pool");
    dirs.push(dir);
    const root = path.join(dir, "tree");
    wideTree(root);
    const paths = countPaths(root);
    const h = harness({ paths: [{ path: root, ignore: ["*.swp"] }], hash_workers: 3 }, { dir });
    try {
      const first = await h.scanner.scanAll();
      assert.deepEqual(
        first.map((e) => [e.change, e.files]),
        [["baseline", paths]],
      );
      const rows = await h.store.fim.baseline(root);
      assert.equal(rows.size, paths);
      assert.equal(rows.has(path.join(root, "d1", "skip.swp")), false, "ignored in the workers");
      assert.equal(JSON.parse(rows.get(path.join(root, "d0", "link")) as string).link, "../big/f1");
      // compare walks on this thread with its own lstat and hashing: any row that differs is a change
      assert.deepEqual(await h.scanner.scanAll(), []);
    } finally {
      await h.close();
    }
  });

  it("a rebuild keeps nothing of paths that are gone and reports nothing", async () => {
    const dir = tempDir("rebuild");
    dirs.push(dir);
    const root = path.join(dir, "tree");
    fs.mkdirSync(path.join(root, "sub"), { recursive: true });
    fs.writeFileSync(path.join(root, "sub", "old.txt"), "old");
    fs.writeFileSync(path.join(root, "kept.txt"), "kept");
    const h = harness({ paths: [{ path: root }] }, { dir });
    try {
      await h.scanner.scanAll();
      fs.rmSync(path.join(root, "sub"), { recursive: true });
      fs.writeFileSync(path.join(root, "new.txt"), "new");
      fs.writeFileSync(path.join(root, "kept.txt"), "changed");
      const rebuilt = await h.scanner.scanAll({ rebuild: true });
      assert.deepEqual(
        rebuilt.map((e) => [e.change, e.files]),
        [["baseline", 3]],
      );
      assert.deepEqual([...(await h.store.fim.baseline(root)).keys()].sort(), [
        root,
        path.join(root, "kept.txt"),
        path.join(root, "new.txt"),
      ]);
      assert.deepEqual(await h.scanner.scanAll(), [], "the rebuilt baseline is the tree as it is");
    } finally {
      await h.close();
    }
  });

  it("close() mid-baseline stops the walk; the baseline is not marked finished", async () => {
    const dir = tempDir("close");
    dirs.push(dir);
    const root = path.join(dir, "tree");
    wideTree(root);
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    // max_io paces on the manual clock: the scan waits after its first batch until the clock moves
    const h = harness({ paths: [{ path: root }], max_io: 0.001 }, { dir, clock });
    try {
      const scan = h.scanner.scanAll();
      await waitFor("the first rows", () => (h.scanner.progress?.files ?? 0) > 0 || undefined, 30_000, 10);
      await h.scanner.close();
      clock.advance(3600_000);
      const events = await scan;
      assert.equal(
        events.some((e) => e.change === "baseline"),
        false,
      );
      assert.equal(await h.store.fim.baselined(root), undefined, "the next scan builds it again");
    } finally {
      await h.close();
    }
  });
});
