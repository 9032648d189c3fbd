/**
 * Package awareness for FIM (`verify_packages`): which installed Debian package owns a path, and whether a
 * changed file's new content is what that package shipped ("package": "openssh-server 1:9.2p1-2", an
 * upgrade) or matches no package checksum (what an admin must look at first).
 *
 * Source of truth is dpkg's own database under ROOT (ROOT is "/" on a host, a temp dir in tests):
 * var/lib/dpkg/info/*.md5sums for shipped files, the status file for versions and conffile checksums,
 * var/lib/dpkg/diversions for files moved aside. Paths are normalised for merged-/usr systems (bin, sbin,
 * lib* symlinked into usr/), where md5sums still say "lib/systemd/..." for a file at /usr/lib/systemd/...
 * RPM systems (`rpm -V`) are out of scope here: without a dpkg database the index is empty and every
 * change is reported unexplained.
 *
 * dpkg keeps MD5 sums, so MD5 is used only to compare against them; FIM's own content hash stays sha256.
 */
import { createHash } from "node:crypto";
import { createReadStream, lstatSync, readdirSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import type { Malformed } from "./dpkg-db.js";
import { MalformedLog, readDiversions, readDpkgStatus, readMd5sums } from "./dpkg-db.js";

/** What the package database says a path should be. */
export interface PackagedFile {
  /** dpkg's name for the package, with ":arch" for Multi-Arch: same packages ("libc6:amd64"). */
  package: string;
  version: string;
  md5: string;
}

export interface PackageIndex {
  /** The (first) package entry for an absolute path, or undefined when no installed package ships it. */
  lookup(path: string): PackagedFile | undefined;
  /** Every entry for a path: a file can be shipped by several packages (Multi-Arch: same, Replaces). */
  candidates(path: string): readonly PackagedFile[];
  /** Number of distinct paths indexed. */
  readonly files: number;
  /** Lines of the dpkg database that could not be read, counted (the first few kept, with file:line). */
  readonly malformed: { count: number; first: readonly Malformed[] };
}

/** The verdict on a changed file's content. */
export type PackageVerdict =
  /** The new content is exactly what this package shipped: an install or upgrade, not tampering. */
  | { package: string }
  /** A packaged path whose content matches no package checksum (package set), or a path no package owns. */
  | { unexplained: true; package?: string };

const MERGED_USR_DIRS = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"];

/**
 * The package index of the dpkg database under root. Nothing is read until the first lookup (FIM loads it
 * only when a change needs explaining); then the whole database is read in one pass.
 */
export function loadPackageIndex(root: string): PackageIndex {
  let built: BuiltIndex | undefined;
  const get = (): BuiltIndex => {
    built ??= buildIndex(root);
    return built;
  };
  return {
    lookup: (p) => get().lookup(p),
    candidates: (p) => get().candidates(p),
    get files() {
      return get().byPath.size;
    },
    get malformed() {
      return get().malformed;
    },
  };
}

const cached = new Map<string, { stamp: string; index: PackageIndex }>();

/**
 * The index for root, reloaded when dpkg has changed its database since the last call (an install or
 * upgrade rewrites the status file and the info directory). For long-running scanners.
 */
export function currentPackageIndex(root: string): PackageIndex {
  const stamp = databaseStamp(root);
  const hit = cached.get(root);
  if (hit && hit.stamp === stamp) return hit.index;
  const index = loadPackageIndex(root);
  cached.set(root, { stamp, index });
  return index;
}

/**
 * Whether the file at `filePath` (absolute, as seen on the host; read under root) has content some package
 * shipped. Missing or unreadable files are unexplained.
 */
export async function explainChange(
  index: PackageIndex,
  root: string,
  filePath: string,
): Promise<PackageVerdict> {
  const owners = index.candidates(filePath);
  if (owners.length === 0) return { unexplained: true };
  let md5: string;
  try {
    md5 = await md5OfFile(path.join(root, filePath));
  } catch {
    return { unexplained: true, package: label(owners[0]) };
  }
  return explainContent(index, filePath, md5);
}

/** The same verdict from an MD5 the caller already computed (e.g. in a hashing worker). */
export function explainContent(index: PackageIndex, filePath: string, md5: string): PackageVerdict {
  const owners = index.candidates(filePath);
  if (owners.length === 0) return { unexplained: true };
  const match = owners.find((o) => o.md5 === md5);
  return match ? { package: label(match) } : { unexplained: true, package: label(owners[0]) };
}

/** "openssh-server 1:9.2p1-2+deb12u10", the form FIM events carry. */
export function label(f: PackagedFile): string {
  return `${f.package} ${f.version}`;
}

export function md5OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("md5");
    createReadStream(file, { highWaterMark: 1 << 20 })
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

interface BuiltIndex {
  byPath: Map<string, PackagedFile | PackagedFile[]>;
  lookup(p: string): PackagedFile | undefined;
  candidates(p: string): readonly PackagedFile[];
  malformed: MalformedLog;
}

function buildIndex(root: string): BuiltIndex {
  const malformed = new MalformedLog();
  const dpkg = path.join(root, "var/lib/dpkg");
  const packages = readDpkgStatus(path.join(dpkg, "status"), malformed);
  const diversions = readDiversions(path.join(dpkg, "diversions"), malformed);
  const canonical = mergedUsrCanonicaliser(root);
  const byPath = new Map<string, PackagedFile | PackagedFile[]>();

  const add = (pkgName: string, absPath: string, entry: PackagedFile): void => {
    const diverted = diversions.get(absPath);
    const bare = pkgName.split(":")[0];
    const where = canonical(diverted && diverted.by !== bare ? diverted.to : absPath);
    const had = byPath.get(where);
    if (had === undefined) byPath.set(where, entry);
    else if (Array.isArray(had)) {
      if (!had.some((h) => same(h, entry))) had.push(entry);
    } else if (!same(had, entry)) byPath.set(where, [had, entry]);
  };

  const info = path.join(dpkg, "info");
  for (const name of listMd5sums(info, malformed)) {
    const pkgName = name.slice(0, -".md5sums".length);
    const version = packages.get(pkgName)?.version ?? "unknown";
    readMd5sums(path.join(info, name), malformed, (md5, rel) =>
      add(pkgName, `/${rel}`, { package: pkgName, version, md5 }),
    );
  }
  for (const [key, pkg] of packages) {
    if (!key.includes(":")) continue; // each package is also under name:arch; take conffiles once
    const pkgName = pkg.multiArchSame ? key : pkg.name;
    for (const c of pkg.conffiles)
      add(pkgName, c.path, { package: pkgName, version: pkg.version, md5: c.md5 });
  }

  const candidates = (p: string): readonly PackagedFile[] => {
    const hit = byPath.get(canonical(p));
    return hit === undefined ? [] : Array.isArray(hit) ? hit : [hit];
  };
  return { byPath, malformed, candidates, lookup: (p) => candidates(p)[0] };
}

function same(a: PackagedFile, b: PackagedFile): boolean {
  return a.md5 === b.md5 && a.package === b.package;
}

function listMd5sums(info: string, malformed: MalformedLog): string[] {
  try {
    return readdirSync(info)
      .filter((n) => n.endsWith(".md5sums"))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") malformed.add(info, 0, (err as Error).message);
    return []; // no dpkg database (an RPM system, or a bare root): nothing is packaged
  }
}

/**
 * On a merged-/usr system /bin, /sbin and /lib* are symlinks into /usr, so "/lib/x" and "/usr/lib/x" are one
 * file. Returns a function mapping either spelling to the /usr one (identity when the root is not merged).
 */
function mergedUsrCanonicaliser(root: string): (p: string) => string {
  const aliases: Array<[string, string]> = [];
  for (const dir of MERGED_USR_DIRS) {
    try {
      if (!lstatSync(path.join(root, dir)).isSymbolicLink()) continue;
      const target = readlinkSync(path.join(root, dir)).replace(/^\//, "").replace(/\/$/, "");
      if (target === `usr/${dir}`) aliases.push([`/${dir}/`, `/usr/${dir}/`]);
    } catch {
      // absent: not merged for this directory
    }
  }
  if (aliases.length === 0) return (p) => p;
  return (p) => {
    for (const [from, to] of aliases) if (p.startsWith(from)) return to + p.slice(from.length);
    return p;
  };
}

function databaseStamp(root: string): string {
  const dpkg = path.join(root, "var/lib/dpkg");
  return ["status", "info", "diversions"]
    .map((f) => {
      try {
        const s = statSync(path.join(dpkg, f));
        return `${s.mtimeMs}:${s.size}:${s.ino}`;
      } catch {
        return "-";
      }
    })
    .join("|");
}
