/**
 * For tests: a gzip bomb (a small .gz that unpacks to a lot of whitespace), written as a stream so the
 * test itself never holds the unpacked bytes; and a child-process scan that reports its peak memory.
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { constants, createGzip } from "node:zlib";

/** Writes `unpackedBytes` of spaces, gzip'd at the best ratio (512 MiB → about 0.5 MB). */
export async function writeGzipBomb(file: string, unpackedBytes: number): Promise<number> {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let left = unpackedBytes;
  const spaces = Readable.from(
    (function* () {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        yield n === chunk.length ? chunk : chunk.subarray(0, n);
      }
    })(),
  );
  const out = createWriteStream(file);
  await pipeline(spaces, createGzip({ level: constants.Z_BEST_COMPRESSION }), out);
  return out.bytesWritten;
}

export interface ChildScan {
  stats: Record<string, number>;
  stored: number;
  /** peak resident memory of the child, MiB */
  maxRssMiB: number;
}

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "scan-child.ts");

/** Runs one scan of a cloudtrail source over `dir` in a fresh node process; its peak RSS is reported. */
export function scanInChild(dir: string, maxFileBytes?: number): Promise<ChildScan> {
  return new Promise((resolve, reject) => {
    const args = ["--import", import.meta.resolve("tsx"), CHILD, dir];
    if (maxFileBytes !== undefined) args.push(String(maxFileBytes));
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`scan child exited with ${code}: ${stderr}`));
      resolve(JSON.parse(stdout) as ChildScan);
    });
  });
}
