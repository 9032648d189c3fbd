/**
 * The change table of the FIM tests: a tree, one mutation per kind of change, and the events they must
 * give — exactly these, once each — whichever way the scan runs (scanner API, CLI, daemon).
 */
import fs from "node:fs";
import path from "node:path";
import type { FimEvent } from "../events.js";

export const BIG_FILE_BYTES = 101 * 1024 * 1024;

/** A tree with one file per kind of change to come: 13 paths with the root. */
export function makeTree(root: string): void {
  fs.mkdirSync(path.join(root, "sub"), { recursive: true });
  const w = (f: string, s: string) => fs.writeFileSync(path.join(root, f), s);
  for (const f of ["content.txt", "mode.txt", "owner.txt", "delete.txt", "rename-old.txt", "linked.txt"])
    w(f, `${f}\n`);
  w("replaced", "a file for now\n");
  w("sub/target-a", "a\n");
  w("sub/target-b", "b\n");
  fs.symlinkSync("target-a", path.join(root, "sub/link"));
  fs.symlinkSync("/etc/passwd", path.join(root, "outside-link"));
  fs.utimesSync(path.join(root, "content.txt"), 1_700_000_000, 1_700_000_000);
}

export const TREE_PATHS = 13;

/** content, chmod, chown, new, delete, rename, symlink retarget, hard link, file → folder, 0-byte, sparse 101 MiB */
export function mutateTree(root: string): void {
  const p = (f: string) => path.join(root, f);
  fs.writeFileSync(p("content.txt"), "content.TXT\n"); // same size, new content
  fs.chmodSync(p("mode.txt"), 0o600);
  fs.chownSync(p("owner.txt"), 1234, 4321);
  fs.writeFileSync(p("new.txt"), "new\n");
  fs.rmSync(p("delete.txt"));
  fs.renameSync(p("rename-old.txt"), p("rename-new.txt"));
  // made beside and renamed over, so the new link cannot reuse the old one's inode
  fs.symlinkSync("target-b", p("sub/link.new"));
  fs.renameSync(p("sub/link.new"), p("sub/link"));
  fs.linkSync(p("linked.txt"), p("hard-link.txt"));
  fs.mkdirSync(p("replacement")); // made first, so it cannot reuse the file's inode
  fs.rmSync(p("replaced"));
  fs.renameSync(p("replacement"), p("replaced"));
  fs.writeFileSync(p("empty.bin"), "");
  const big = fs.openSync(p("big.sparse"), "w");
  fs.ftruncateSync(big, BIG_FILE_BYTES);
  fs.writeSync(big, "end", BIG_FILE_BYTES - 3);
  fs.closeSync(big);
}

/** "change path [changed]" lines, sorted */
export function summary(events: FimEvent[]): string[] {
  return events
    .map((e) => `${e.change} ${e.path}${e.changed?.length ? ` [${e.changed.join(",")}]` : ""}`)
    .sort();
}

export function expectedChanges(root: string): string[] {
  const p = (f: string) => path.join(root, f);
  return [
    `added ${p("big.sparse")}`,
    `added ${p("empty.bin")}`,
    `added ${p("hard-link.txt")}`,
    `added ${p("new.txt")}`,
    `added ${p("rename-new.txt")}`,
    `attributes ${p("mode.txt")} [mode]`,
    `attributes ${p("owner.txt")} [uid,gid]`,
    `deleted ${p("delete.txt")}`,
    `deleted ${p("rename-old.txt")}`,
    `modified ${p("content.txt")} [sha256,mtime]`,
    `modified ${p("replaced")} [sha256,size,mode,mtime,inode,type]`,
    `modified ${p("sub/link")} [mtime,inode,link]`,
  ];
}
