/** Descriptions of the `fim` keys (file integrity monitoring, docs/host-checks.md). */
import type { KeyDoc } from "./config-keys.js";

const d = (text: string, example?: string): KeyDoc => ({ text, example });

export const fimKeys: Record<string, KeyDoc> = {
  fim: d(
    "File integrity monitoring: changed files become events in the log group `mamori/fim` (see docs/host-checks.md).",
  ),
  "fim.schedule": d("Interval of full scans (plus one at start, see `scan_on_start`).", "12h"),
  "fim.scan_on_start": d("Scan every path when the daemon starts (OSSEC's scan_on_start).", "true"),
  "fim.paths": d(
    "The files and folders to watch; the first scan of each is its baseline (one summary event).",
  ),
  "fim.paths[].path": d(
    "A folder (watched with everything below it) or a single file; never followed when a symlink.",
    "/etc",
  ),
  "fim.paths[].realtime": d(
    "Watch with inotify: a change is an event within a second. At the kernel's watch limit the path falls back to scheduled scans and a `watch_limit` event says so.",
    "true",
  ),
  "fim.paths[].report_changes": d(
    "Put a unified diff of text files (up to `max_diff_size`) in the event; previous contents are kept in the data dir (mode 0600).",
    "true",
  ),
  "fim.paths[].ignore": d(
    "Globs not to watch: with a `/` they match the whole path (`/etc/ssl/certs/**`), without one the file name (`*.swp`).",
    '["/etc/mtab", "*.swp"]',
  ),
  "fim.paths[].growing": d(
    "Files that are appended to (logs): growth is not a change; shrinking or any other attribute is.",
    "true",
  ),
  "fim.attributes": d(
    "What counts as a change: sha256, size, mode, uid, gid, mtime, inode, type, link (default: all of these), ctime, xattrs (extended attributes such as security.capability; needs getfattr, Debian package attr).",
    "[sha256, mode, uid, gid]",
  ),
  "fim.max_diff_size": d("Largest text file diffed by `report_changes` (bytes, or 512KiB, 1MiB...).", "1MiB"),
  "fim.max_hash_size": d(
    "Files larger than this are not hashed (other attributes still count); each is reported once as `too_large`.",
    "4GiB",
  ),
  "fim.max_io": d(
    "Read at most this many MB/s while hashing (0: no limit), so a scan never saturates the disk.",
    "50",
  ),
  "fim.hash_workers": d(
    "Worker threads walking and hashing files (the daemon's ingest and jails never wait for them). Unset: one per CPU the process may use (os.availableParallelism()).",
    "2",
  ),
  "fim.verify_packages": d(
    'A change whose new content matches dpkg\'s checksums gets `"package": "NAME VERSION"`; one that matches none gets `"unexplained": "no package explains this change"`.',
    "true",
  ),
  "fim.package_root": d(
    "The root under which dpkg's database (var/lib/dpkg) is read and package paths are meant; `/` on a host.",
    "/",
  ),
};
