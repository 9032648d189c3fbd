/**
 * A deterministic file tree for the FIM benchmark, shaped like /usr: many small files (log-uniform, 64 B to
 * 64 KiB) and a few large ones that carry most of the bytes. Every byte is real (no sparse files: hashing
 * a hole costs nothing on read-ahead, so it would flatter both tools) and every file's content is distinct
 * (a header naming the file, then a slice of a seeded pseudo-random pool). Same options, same bytes.
 */
import fs from "node:fs";
import path from "node:path";

export interface FimTreeOptions {
  files: number;
  /** total bytes of all files, exactly */
  bytes: number;
  seed?: number;
}

export interface FimTreeFile {
  rel: string;
  size: number;
}

const FILES_PER_DIR = 100;
const DIRS_PER_PARENT = 25;
const SMALL_MIN = 64;
const SMALL_MAX = 64 * 1024;
const LARGE_SHARE = 0.02;
const POOL_BYTES = 8 * 1024 * 1024;

/** mulberry32: a tiny seeded PRNG, enough for sizes and filler bytes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The files of the tree (relative paths and sizes), summing to exactly opts.bytes. */
export function fimTreeLayout(opts: FimTreeOptions): FimTreeFile[] {
  const rand = prng(opts.seed ?? 1);
  const large = Math.max(1, Math.round(opts.files * LARGE_SHARE));
  const sizes: number[] = [];
  let small = 0;
  for (let i = 0; i < opts.files - large; i++) {
    const size = Math.round(SMALL_MIN * (SMALL_MAX / SMALL_MIN) ** rand());
    sizes.push(size);
    small += size;
  }
  const rest = opts.bytes - small;
  if (rest < large)
    throw new Error(`${opts.bytes} bytes is too few for ${opts.files} files: give at least ${small + large}`);
  // the large files share the rest, ±50%, the last one taking the remainder so the total is exact
  let left = rest;
  for (let i = 0; i < large; i++) {
    const remaining = large - i;
    const size = remaining === 1 ? left : Math.max(1, Math.round((left / remaining) * (0.5 + rand())));
    const capped = Math.min(size, left - (remaining - 1));
    sizes.push(capped);
    left -= capped;
  }
  // spread the large files through the tree instead of bunching them at the end
  for (let i = sizes.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [sizes[i], sizes[j]] = [sizes[j], sizes[i]];
  }
  return sizes.map((size, i) => {
    const dir = Math.floor(i / FILES_PER_DIR);
    const parent = Math.floor(dir / DIRS_PER_PARENT);
    const rel = path.join(
      `p${String(parent).padStart(3, "0")}`,
      `d${String(dir).padStart(4, "0")}`,
      `f${i}.bin`,
    );
    return { rel, size };
  });
}

/** Writes the tree under dir (created). Returns the layout written. */
export function writeFimTree(dir: string, opts: FimTreeOptions): FimTreeFile[] {
  const layout = fimTreeLayout(opts);
  const pool = fillerPool(opts.seed ?? 1);
  const made = new Set<string>();
  for (let i = 0; i < layout.length; i++) {
    const { rel, size } = layout[i];
    const file = path.join(dir, rel);
    const parent = path.dirname(file);
    if (!made.has(parent)) {
      fs.mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    const fd = fs.openSync(file, "w");
    try {
      const header = Buffer.from(`${rel} ${size}\n`);
      let written = fs.writeSync(fd, header, 0, Math.min(header.length, size));
      let offset = (i * 7919 * 64) % POOL_BYTES;
      while (written < size) {
        const n = Math.min(size - written, POOL_BYTES - offset);
        written += fs.writeSync(fd, pool, offset, n);
        offset = 0;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return layout;
}

function fillerPool(seed: number): Buffer {
  const rand = prng(seed ^ 0x5eed);
  const words = new Uint32Array(POOL_BYTES / 4);
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(rand() * 4294967296);
  return Buffer.from(words.buffer);
}
