/** Reading a delivered file whole: gzip (by its magic bytes, any extension) is decompressed and checked. */
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { promisify } from "node:util";
import zlib from "node:zlib";

const gunzipAsync = promisify(zlib.gunzip);

/** Largest decompressed file read (bigger ones are reported, not read). */
export const MAX_FILE_BYTES = 1024 * 1024 * 1024;

export interface FileContent {
  /** the bytes as they are on disk, hashed: the file's identity */
  sha256: string;
  /** decompressed when the file was gzip */
  data: Buffer;
  compressed: boolean;
}

/** A gzip file that cannot be decompressed whole (truncated while being copied, or corrupt). */
export class CorruptFileError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(
      `${file}: not a complete gzip file (${(cause as Error).message ?? cause}); it will be read again later`,
    );
    this.name = "CorruptFileError";
  }
}

export function isGzip(raw: Buffer): boolean {
  return raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
}

/**
 * Reads an opened file whole (`file` names it in errors); a gzip one is decompressed completely before
 * anything of it is used, so a truncated file is never half-ingested. Decompression runs on libuv's
 * thread pool.
 */
export async function readWholeFile(file: string, fh: FileHandle): Promise<FileContent> {
  const raw = await fh.readFile();
  const sha256 = createHash("sha256").update(raw).digest("hex");
  if (!isGzip(raw)) {
    // a ".gz" too short to hold even the magic bytes is a copy in progress, not a plain file
    if (file.endsWith(".gz")) throw new CorruptFileError(file, new Error("no gzip header"));
    return { sha256, data: raw, compressed: false };
  }
  try {
    const data = await gunzipAsync(raw, { maxOutputLength: MAX_FILE_BYTES });
    return { sha256, data, compressed: true };
  } catch (err) {
    throw new CorruptFileError(file, err);
  }
}
