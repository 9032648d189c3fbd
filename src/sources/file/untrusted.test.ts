// Files in a watched folder that others can write: FIFOs and symlinks (#12 items 3 and 4).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, lchownSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { waitFor } from "../../testing/wait.js";
import { openWatchedFile, RefusedFileError } from "../shared/open-file.js";
import { captureLog } from "../shared/testing/log.js";
import { startFileSource, tempDir } from "./testing/file-source.js";

const nobody = {
  uid: Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" })),
  gid: Number(execFileSync("id", ["-g", "nobody"], { encoding: "utf8" })),
};

test("a FIFO in the glob is refused with a log line; the other files are read; abort stops the source at once", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    writeFileSync(path.join(dir, "app.log"), "one\ntwo\n");
    execFileSync("mkfifo", [path.join(dir, "pipe.log")]);
    const captured = captureLog();
    const s = await startFileSource({ path: path.join(dir, "*.log") }, { log: captured.log });
    assert.deepEqual(await s.messages(), ["one", "two"]);
    await s.step();
    assert.equal(s.source.stats().files_refused, 1, "counted once, not once per poll");
    const refused = captured.warnings("refusing to read");
    assert.equal(refused.length, 1);
    assert.equal(refused[0].file, path.join(dir, "pipe.log"));
    assert.match(String(refused[0].reason), /not a regular file \(a FIFO\)/);
    let stopped = false;
    void s.stop().then(() => {
      stopped = true;
    });
    await waitFor("the source to stop after abort", () => stopped, 2000);
  } finally {
    await cleanup();
  }
});

test("a regular file swapped for a FIFO between scan and open is refused, not waited on", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const fifo = path.join(dir, "swapped.log");
    execFileSync("mkfifo", [fifo]);
    await assert.rejects(openWatchedFile(fifo, dir, { followSymlinks: false }), (err) => {
      assert.ok(err instanceof RefusedFileError);
      assert.match(err.reason, /FIFO/);
      return true;
    });
  } finally {
    await cleanup();
  }
});

test("symlinks: never out of the tree unless follow_symlinks, never to a file the link's owner cannot read", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    chmodSync(dir, 0o755);
    const logs = path.join(dir, "logs");
    const outside = path.join(dir, "outside");
    mkdirSync(logs, { mode: 0o777 });
    chmodSync(logs, 0o777); // writable by anyone, like an application's log folder
    mkdirSync(outside, { mode: 0o755 });
    const file = (p: string, content: string, mode: number) => {
      writeFileSync(p, content);
      chmodSync(p, mode);
    };
    file(path.join(logs, "app.log"), "app line\n", 0o644);
    file(path.join(logs, "root-only.txt"), "root-only line\n", 0o600);
    file(path.join(outside, "secret.txt"), "secret line\n", 0o600);
    file(path.join(outside, "public.txt"), "public line\n", 0o644);
    const link = (name: string, target: string, owner?: { uid: number; gid: number }) => {
      symlinkSync(target, path.join(logs, name));
      if (owner) lchownSync(path.join(logs, name), owner.uid, owner.gid);
    };
    link("shadow.log", "/etc/shadow", nobody);
    link("secret.log", "../outside/secret.txt", nobody);
    link("public.log", "../outside/public.txt", nobody);
    link("in-tree-private.log", "root-only.txt", nobody);
    link("root-made.log", "root-only.txt"); // made by root: root may read it

    const table = [
      {
        follow_symlinks: false,
        read: ["app line", "root-only line"],
        refused: {
          "in-tree-private.log": /owned by uid \d+ .* which that user may not read/,
          "public.log": /out of its watched tree/,
          "secret.log": /out of its watched tree/,
          "shadow.log": /out of its watched tree/,
        },
      },
      {
        follow_symlinks: true,
        read: ["app line", "public line", "root-only line"],
        refused: {
          "in-tree-private.log": /may not read/,
          "secret.log": /may not read/,
          "shadow.log": /may not read/,
        },
      },
    ];
    for (const row of table) {
      const captured = captureLog();
      const s = await startFileSource(
        { path: path.join(logs, "*.log"), follow_symlinks: row.follow_symlinks },
        { log: captured.log },
      );
      assert.deepEqual((await s.messages()).sort(), row.read, `follow_symlinks: ${row.follow_symlinks}`);
      const refused = captured.warnings("refusing to read");
      assert.deepEqual(refused.map((l) => path.basename(String(l.file))).sort(), Object.keys(row.refused));
      for (const l of refused) {
        const want: RegExp | undefined = (row.refused as Record<string, RegExp>)[
          path.basename(String(l.file))
        ];
        assert.match(String(l.reason), want ?? /never/, String(l.file));
      }
      await s.stop();
    }
  } finally {
    await cleanup();
  }
});
