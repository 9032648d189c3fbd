/**
 * The FIM benchmark's plumbing: Debian's `aide` as the peer (installed on demand), a timed run of any
 * command under /usr/bin/time (wall time measured here, peak RSS from time's %M), and the tree's own count
 * of regular files and bytes, the one denominator both tools' files/s and MB/s use.
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const execFileP = promisify(execFile);
const TIME = "/usr/bin/time";

/** aide's path, installing Debian's package when it is missing and we may (root). */
export async function ensureAide(): Promise<string | undefined> {
  for (const p of ["/usr/bin/aide", "/usr/sbin/aide"]) if (fs.existsSync(p)) return p;
  if (process.getuid?.() !== 0) return undefined;
  process.stdout.write("installing Debian's aide (apt-get install -y -q aide)...\n");
  try {
    await execFileP("apt-get", ["install", "-y", "-q", "--no-install-recommends", "aide"], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      maxBuffer: 1 << 26,
    });
  } catch (err) {
    process.stdout.write(`aide: apt-get install failed: ${(err as Error).message.split("\n")[0]}\n`);
    return undefined;
  }
  return fs.existsSync("/usr/bin/aide") ? "/usr/bin/aide" : undefined;
}

/**
 * An aide.conf for exactly mamori's attributes: sha256 + size (s), mode (p), uid (u), gid (g),
 * mtime (m), inode (i). Databases uncompressed in dbDir; `workers` hashing threads (aide >= 0.18).
 */
export function aideConfig(tree: string, dbDir: string, workers: number): string {
  return [
    `database_in=file:${path.join(dbDir, "aide.db")}`,
    `database_out=file:${path.join(dbDir, "aide.db.new")}`,
    "gzip_dbout=no",
    "database_attrs=sha256", // aide's default checksums its own database with every hash: spare it that
    `num_workers=${workers}`,
    "report_url=stdout",
    "MAMORI = sha256+s+p+u+g+m+i",
    `${tree} MAMORI`,
    "",
  ].join("\n");
}

export interface TimedRun {
  seconds: number;
  /** peak resident set of the process (and its threads), MiB */
  rssMiB: number;
  /** user + system CPU seconds (all threads): on a shared machine a steadier figure than wall time */
  cpuSeconds: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs cmd under /usr/bin/time, wall time from here, peak RSS from time's report. */
export function timedRun(cmd: string, argv: string[], opts: { cwd?: string } = {}): Promise<TimedRun> {
  const report = path.join(fs.mkdtempSync(path.join(opts.cwd ?? "/tmp", "time-")), "rss");
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(TIME, ["-f", "%M %U %S", "-o", report, cmd, ...argv], {
      cwd: opts.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      if (stdout.length < 1 << 20) stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      if (stderr.length < 1 << 20) stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      // time writes "Command exited with non-zero status N" first when the command fails
      const m = /(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(fs.readFileSync(report, "utf8"));
      fs.rmSync(path.dirname(report), { recursive: true, force: true });
      const [kb, user, sys] = m
        ? [Number(m[1]), Number(m[2]), Number(m[3])]
        : [Number.NaN, Number.NaN, Number.NaN];
      resolve({ seconds, rssMiB: kb / 1024, cpuSeconds: user + sys, code, stdout, stderr });
    });
  });
}

/** Calls visit for every entry under tree, folders first descended into; symlinks are never followed. */
function eachEntry(tree: string, visit: (p: string, d: fs.Dirent) => void): void {
  const stack = [tree];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const d of names) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) stack.push(p);
      visit(p, d);
    }
  }
}

/** Regular files and their bytes under tree (no symlinks followed), plus all entries. */
export function countTree(tree: string): { files: number; bytes: number; entries: number } {
  let files = 0;
  let bytes = 0;
  let entries = 0;
  eachEntry(tree, (p, d) => {
    entries++;
    if (d.isFile()) {
      files++;
      bytes += fs.lstatSync(p).size;
    }
  });
  return { files, bytes, entries };
}

/** Reads every regular file once, so both tools start with the same (warm) page cache. */
export function warmPageCache(tree: string): void {
  const buf = Buffer.allocUnsafe(1 << 20);
  eachEntry(tree, (p, d) => {
    if (!d.isFile()) return;
    let fd: number | undefined;
    try {
      fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
    } catch {
      // unreadable: neither tool will read it either
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  });
}
