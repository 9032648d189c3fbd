/**
 * Reading a delivered file whole: gzip (by its magic bytes, any extension) is decompressed and checked.
 * The decompressed size is capped (64 MiB unless configured): a 0.5 MB gzip of whitespace unpacks to
 * 500 MB, and parsing that took 1.6 GB of memory. Decompression stops as soon as the cap is passed.
 */
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { promisify } from "node:util";
import zlib from "node:zlib";

const gunzipAsync = promisify(zlib.gunzip);

/** Largest file read, after decompression, unless a source sets `max_file_bytes`. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

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

/** A file larger than the cap (on disk, or once decompressed): reported and skipped, never read whole. */
export class FileTooLargeError extends Error {
  constructor(
    readonly file: string,
    readonly limit: number,
    compressed: boolean,
  ) {
    super(
      `${file}: larger than ${limit} bytes${compressed ? " once decompressed" : ""} (max_file_bytes); skipped. Raise max_file_bytes for this source if the file is genuine`,
    );
    this.name = "FileTooLargeError";
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
export async function readWholeFile(
  file: string,
  fh: FileHandle,
  maxBytes = DEFAULT_MAX_FILE_BYTES,
): Promise<FileContent> {
  // checked before reading: what is on disk can be larger than the cap even uncompressed
  if ((await fh.stat()).size > maxBytes) throw new FileTooLargeError(file, maxBytes, false);
  const raw = await fh.readFile();
  const sha256 = createHash("sha256").update(raw).digest("hex");
  if (!isGzip(raw)) {
    // a ".gz" too short to hold even the magic bytes is a copy in progress, not a plain file
    if (file.endsWith(".gz")) throw new CorruptFileError(file, new Error("no gzip header"));
    return { sha256, data: raw, compressed: false };
  }
  try {
    const data = await gunzipAsync(raw, { maxOutputLength: maxBytes });
    return { sha256, data, compressed: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      throw new FileTooLargeError(file, maxBytes, true);
    throw new CorruptFileError(file, err);
  }
}
