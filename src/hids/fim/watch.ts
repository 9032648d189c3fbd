/**
 * Realtime FIM: inotify through fs.watch, one watch per folder (Node 20 has no recursive watch on Linux).
 * A folder created later gets its watches as it appears. Every event names a path to compare now; the
 * comparison itself is the scanner's. When the kernel's watch limit is reached (ENOSPC), the tree's
 * watches are all closed and the caller is told, so the path falls back to scheduled scans — never a tree
 * half watched in silence.
 */
import { type FSWatcher, watch } from "node:fs";
import { lstat } from "node:fs/promises";
import path from "node:path";
import type { IgnoreTest } from "./ignore.js";
import { displayPath, joinBytes } from "./names.js";
import { walkTree } from "./walk.js";

export class TreeWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;
  private failed = false;

  constructor(
    private readonly root: Buffer,
    private readonly ignored: IgnoreTest,
    /** a path (bytes) that changed, or under which something changed */
    private readonly onPath: (p: Buffer) => void,
    /** the watch limit (or another error) stopped realtime for this tree */
    private readonly onFailure: (err: NodeJS.ErrnoException) => void,
  ) {}

  get watches(): number {
    return this.watchers.size;
  }

  async start(): Promise<void> {
    let isDir = false;
    try {
      isDir = (await lstat(this.root)).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      // a single file: watch its folder for its name (editors replace files by rename)
      const dir = Buffer.from(path.dirname(this.root.toString("latin1")), "latin1");
      const name = Buffer.from(path.basename(this.root.toString("latin1")), "latin1");
      this.add(dir, (f) => f === null || f.equals(name));
      return;
    }
    await this.addTree(this.root);
  }

  private async addTree(start: Buffer): Promise<void> {
    for await (const e of walkTree(start, this.ignored)) {
      if (this.closed || this.failed) return;
      if (e.stat.isDirectory() && !e.listError) this.add(e.bytes);
    }
  }

  private add(dir: Buffer, wanted?: (name: Buffer | null) => boolean): void {
    const key = dir.toString("latin1");
    if (this.watchers.has(key) || this.closed || this.failed) return;
    let w: FSWatcher;
    try {
      w = watch(dir, { encoding: "buffer", persistent: false }, (_type, name) => {
        if (wanted && !wanted(name)) return;
        if (!name) return this.onPath(wanted ? this.root : dir);
        const full = joinBytes(dir, name);
        if (this.ignored(displayPath(full))) return;
        this.onPath(full);
        if (!wanted) void this.maybeDescend(full);
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === "ENOENT" || e.code === "ENOTDIR") return;
      this.fail(e);
      return;
    }
    w.on("error", () => {
      // the folder went away (its parent's watch reports that); forget this watch
      w.close();
      this.watchers.delete(key);
    });
    this.watchers.set(key, w);
  }

  private async maybeDescend(p: Buffer): Promise<void> {
    try {
      if ((await lstat(p)).isDirectory() && !this.watchers.has(p.toString("latin1"))) await this.addTree(p);
    } catch {
      // gone again: its deletion is the scanner's to report
    }
  }

  private fail(err: NodeJS.ErrnoException): void {
    if (this.failed) return;
    this.failed = true;
    this.close();
    this.onFailure(err);
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
