import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { displayPath, joinBytes, pathBytes } from "./names.js";
import { harness, tempDir } from "./testing/harness.js";
import { assertXattrTool, readTreeXattrs, XattrToolMissing } from "./xattrs.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Sets (or with value undefined removes) an xattr; python3's os.setxattr takes a path as bytes, argv cannot. */
function setXattr(file: Buffer | string, name: string, value: string | undefined): void {
  const b = typeof file === "string" ? Buffer.from(file) : file;
  const code =
    "import os,sys\np=bytes.fromhex(sys.argv[1])\n" +
    "if len(sys.argv)>3: os.setxattr(p,sys.argv[2],sys.argv[3].encode(),follow_symlinks=False)\n" +
    "else: os.removexattr(p,sys.argv[2],follow_symlinks=False)";
  execFileSync("python3", ["-c", code, b.toString("hex"), name, ...(value === undefined ? [] : [value])]);
}

describe("FIM xattrs", () => {
  it("reads a tree's xattrs with one getfattr run, hostile names in the same form as FIM rows", async () => {
    const root = tempDir("xattr-read");
    dirs.push(root);
    const names = ["plain", "new\nline", "back\\slash", "eq=uals", "sp ace", "ü"].map((n) => Buffer.from(n));
    names.push(Buffer.from([0x78, 0xff, 0x79])); // not UTF-8
    for (const n of names) {
      const f = joinBytes(Buffer.from(root), n);
      fs.writeFileSync(f, "x");
      setXattr(f, "user.b", "2");
      setXattr(f, "user.a", "1");
    }
    fs.writeFileSync(path.join(root, "none"), "x");
    const got = await readTreeXattrs(Buffer.from(root));
    assert.ok(got);
    for (const n of names) {
      const key = displayPath(joinBytes(Buffer.from(root), n));
      assert.equal(got.get(key), "user.a=0x31\nuser.b=0x32", `xattrs of ${JSON.stringify(key)}`);
    }
    assert.equal(got.has(path.join(root, "none")), false, "a file without xattrs is not listed");
    assert.equal(got.size, names.length);
  });

  it("reports an added, changed and removed xattr as an attributes change, once each", async () => {
    const dir = tempDir("xattr-scan");
    dirs.push(dir);
    const root = path.join(dir, "tree");
    fs.mkdirSync(root);
    const bin = path.join(root, "tool");
    fs.writeFileSync(bin, "#!/bin/sh\n", { mode: 0o755 });
    fs.writeFileSync(path.join(root, "other"), "x");
    const h = harness({ paths: [{ path: root }], attributes: ["sha256", "mode", "xattrs"] }, { dir });
    try {
      const [base] = await h.scanner.scanAll();
      assert.equal(base.change, "baseline");
      assert.deepEqual(await h.scanner.scanAll(), [], "nothing changed, nothing reported");

      // trusted.* stands in for security.capability: only root may set either, and tmp file systems take it
      setXattr(bin, "trusted.capability", "granted");
      let events = await h.scanner.scanAll();
      assert.deepEqual(
        events.map((e) => [e.change, e.path, e.changed]),
        [["attributes", bin, ["xattrs"]]],
      );
      assert.deepEqual(events[0].before, { xattrs: "" });
      assert.deepEqual(events[0].after, {
        xattrs: `trusted.capability=0x${Buffer.from("granted").toString("hex")}`,
      });
      assert.deepEqual(await h.scanner.scanAll(), [], "reported once");

      setXattr(bin, "trusted.capability", "other");
      events = await h.scanner.scanAll();
      assert.deepEqual(
        events.map((e) => [e.change, e.path, e.changed]),
        [["attributes", bin, ["xattrs"]]],
      );

      setXattr(bin, "trusted.capability", undefined);
      // realtime compares only the path it was told of: the same answer
      events = await h.scanner.checkPath(h.config.paths[0], pathBytes(bin));
      assert.deepEqual(
        events.map((e) => [e.change, e.path, e.after?.xattrs]),
        [["attributes", bin, ""]],
      );
      assert.deepEqual(await h.scanner.scanAll(), []);
      assert.equal((await h.stored()).filter((e) => e.changed?.includes("xattrs")).length, 3);
    } finally {
      await h.close();
    }
  });

  it("without getfattr, says what to install before a scan starts", async () => {
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await assert.rejects(
        assertXattrTool(),
        (e: Error) => e instanceof XattrToolMissing && /apt-get install attr/.test(e.message),
      );
      // a scan that gets this far without the tool (removed after start) says the same
      await assert.rejects(readTreeXattrs(Buffer.from("/")), XattrToolMissing);
    } finally {
      process.env.PATH = saved;
    }
    await assertXattrTool();
  });
});
