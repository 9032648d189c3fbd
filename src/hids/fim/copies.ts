/**
 * report_changes: the previous content of each watched text file is kept in the data dir (fim/copies,
 * folder 0700, files 0600 — they may hold secrets from /etc), so a change can be shown as a unified diff.
 * Only regular files up to max_diff_size without NUL bytes are text; nothing else is copied. Files are
 * opened O_NOFOLLOW|O_NONBLOCK: a path swapped for a FIFO or a symlink is never read.
 */
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { createTwoFilesPatch } from "diff";

export class ContentCopies {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  private fileOf(displayPath: string): string {
    return path.join(this.dir, createHash("sha256").update(displayPath).digest("hex"));
  }

  /** The file's text now, or undefined when it is not a text file within the limit. */
  async readText(bytes: Buffer): Promise<string | undefined> {
    let fh: Awaited<ReturnType<typeof open>> | undefined;
    try {
      fh = await open(bytes, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      const st = await fh.stat();
      if (!st.isFile() || st.size > this.maxBytes) return undefined;
      const buf = Buffer.alloc(st.size);
      const { bytesRead } = await fh.read(buf, 0, st.size, 0);
      const content = buf.subarray(0, bytesRead);
      if (content.includes(0)) return undefined;
      return content.toString("utf8");
    } catch {
      return undefined;
    } finally {
      await fh?.close();
    }
  }

  async previous(displayPath: string): Promise<string | undefined> {
    try {
      return await readFile(this.fileOf(displayPath), "utf8");
    } catch {
      return undefined;
    }
  }

  /** Keeps `text` as the file's previous content (undefined: forgets it). */
  async keep(displayPath: string, text: string | undefined): Promise<void> {
    const file = this.fileOf(displayPath);
    if (text === undefined) {
      await rm(file, { force: true });
      return;
    }
    this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    await this.ready;
    const tmp = `${file}.tmp`;
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, file);
  }
}

/** A unified diff of a file's previous and current text (git-style headers, 3 lines of context). */
export function unifiedDiff(displayPath: string, before: string, after: string): string {
  const patch = createTwoFilesPatch(displayPath, displayPath, before, after, undefined, undefined, {
    context: 3,
  });
  // drop the "Index:" and "====" lines: the patch starts at "--- path"
  return patch.slice(patch.indexOf("--- "));
}
