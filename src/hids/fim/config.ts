/**
 * The `fim:` key (../shared/spec/hids.md): which trees are watched, how (realtime, diffs, growing files,
 * ignore globs), which attributes count, and the limits that keep a scan from pegging the host
 * (`max_io`, `max_hash_size`, `hash_workers`). Imports only zod and core/ (config/ composes it).
 */
import { z } from "zod";
import { duration, pathString } from "../../core/config.js";

/** Every attribute FIM can compare; `attributes` picks among them. */
export const FIM_ATTRIBUTES = [
  "sha256",
  "size",
  "mode",
  "uid",
  "gid",
  "mtime",
  "inode",
  "type",
  "link",
  "ctime",
  "xattrs",
] as const;
export type FimAttribute = (typeof FIM_ATTRIBUTES)[number];

export const DEFAULT_FIM_ATTRIBUTES: FimAttribute[] = [
  "sha256",
  "size",
  "mode",
  "uid",
  "gid",
  "mtime",
  "inode",
  "type",
  "link",
];

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** `1048576`, `"1MiB"`, `"500KB"`, `"2GiB"` → bytes. */
export const byteSize = z.union([z.number().int().min(0), z.string()]).transform((v, ctx) => {
  if (typeof v === "number") return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `"${v}" is not a size: write bytes (1048576) or a number with a unit (512KiB, 1MiB, 2GiB, 10MB)`,
    });
    return z.NEVER;
  }
  return Math.round(Number(m[1]) * unit);
});

export const fimPathSchema = z.strictObject({
  path: pathString,
  /** inotify: a change is an event within a second instead of at the next scan */
  realtime: z.boolean().default(false),
  /** unified diffs of text files up to max_diff_size (previous copies are kept in the data dir, 0600) */
  report_changes: z.boolean().default(false),
  /** globs: with a `/` they match the whole path, without one the file name (`*.swp`) */
  ignore: z.array(z.string().min(1, "must not be empty")).default([]),
  /** appended-to files: growth is not a change, shrinking or other attributes are */
  growing: z.boolean().default(false),
});

export const fimSchema = z.strictObject({
  schedule: duration().default(12 * 3600),
  scan_on_start: z.boolean().default(true),
  paths: z.array(fimPathSchema).min(1, "list at least one path to watch (`- path: /etc`)"),
  attributes: z.array(z.enum(FIM_ATTRIBUTES)).min(1).default(DEFAULT_FIM_ATTRIBUTES),
  max_diff_size: byteSize.default(1024 * 1024),
  /** larger files are not hashed (their other attributes still count); each is reported once */
  max_hash_size: byteSize.default(4 * 1024 ** 3),
  /** read at most this many MB/s while hashing (0: no limit) */
  max_io: z.number().min(0).default(0),
  /** worker threads that walk and hash files (the daemon's ingest and jails never wait on them); unset: one per CPU (os.availableParallelism()) */
  hash_workers: z.number().int().min(1).max(16).optional(),
  verify_packages: z.boolean().default(false),
  /** where dpkg's database is looked up (`var/lib/dpkg` under it) and what package paths are relative to */
  package_root: pathString.default("/"),
});

export type FimConfig = z.output<typeof fimSchema>;
export type FimPathConfig = z.output<typeof fimPathSchema>;
