/** The FIM benchmark's tree: exact file count and bytes, real (non-sparse) distinct content, repeatable. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { fimTreeLayout, writeFimTree } from "./fim-tree.js";

function digestTree(dir: string, rels: string[]): string {
  const h = createHash("sha256");
  for (const rel of rels) h.update(rel).update(fs.readFileSync(path.join(dir, rel)));
  return h.digest("hex");
}

describe("fimTreeLayout", () => {
  it("has exactly the files and bytes asked for, mostly small files plus a few large ones", () => {
    const layout = fimTreeLayout({ files: 5000, bytes: 200 * 1024 * 1024, seed: 3 });
    assert.equal(layout.length, 5000);
    assert.equal(
      layout.reduce((n, f) => n + f.size, 0),
      200 * 1024 * 1024,
    );
    assert.equal(new Set(layout.map((f) => f.rel)).size, 5000);
    const small = layout.filter((f) => f.size <= 64 * 1024).length;
    assert.ok(small >= 4850 && small < 5000, `${small} small files`);
  });

  it("is deterministic per seed", () => {
    const a = fimTreeLayout({ files: 300, bytes: 30_000_000, seed: 1 });
    assert.deepEqual(a, fimTreeLayout({ files: 300, bytes: 30_000_000, seed: 1 }));
    assert.notDeepEqual(a, fimTreeLayout({ files: 300, bytes: 30_000_000, seed: 2 }));
  });

  it("refuses a total too small for the file count, saying what would do", () => {
    assert.throws(
      () => fimTreeLayout({ files: 1000, bytes: 1000 }),
      /too few for 1000 files: give at least \d+/,
    );
  });
});

describe("writeFimTree", () => {
  it("writes real, distinct bytes, the same on every run", (t) => {
    const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fimtree-")));
    t.after(() => {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });
    const opts = { files: 250, bytes: 24 * 1024 * 1024, seed: 7 };
    const layout = writeFimTree(dirs[0], opts);
    writeFimTree(dirs[1], opts);
    const rels = layout.map((f) => f.rel);
    assert.equal(digestTree(dirs[0], rels), digestTree(dirs[1], rels));
    const hashes = new Set<string>();
    for (const f of layout) {
      const st = fs.statSync(path.join(dirs[0], f.rel));
      assert.equal(st.size, f.size, f.rel);
      assert.ok(st.blocks * 512 >= st.size, `${f.rel} is sparse`);
      hashes.add(
        createHash("sha256")
          .update(fs.readFileSync(path.join(dirs[0], f.rel)))
          .digest("hex"),
      );
    }
    assert.equal(hashes.size, layout.length, "every file's content differs");
  });
});
