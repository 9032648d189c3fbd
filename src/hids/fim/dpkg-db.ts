/**
 * Readers for the three parts of dpkg's database that say what a packaged file should contain:
 * `var/lib/dpkg/status` (versions and conffile checksums), `var/lib/dpkg/info/*.md5sums` (one
 * "<md5>  <path>" line per shipped file, path relative to / without the leading slash) and
 * `var/lib/dpkg/diversions` (triples of lines: original path, diverted-to path, diverting package).
 * Each reader makes one pass over its file and counts lines it cannot read instead of throwing: a
 * truncated or hand-edited database must never stop a scan.
 */
import { readFileSync } from "node:fs";

const MD5 = /^[0-9a-f]{32}$/;

/** One package as dpkg's status file describes it. */
export interface DpkgPackage {
  name: string;
  arch: string;
  version: string;
  /** Multi-Arch: same — several architectures installed side by side, files named "name:arch.md5sums". */
  multiArchSame: boolean;
  /** Conffiles (absolute path → md5): not listed in *.md5sums, only in the status file. */
  conffiles: Array<{ path: string; md5: string }>;
}

/** A line (or file) the readers skipped, with where it was, for a diagnostic. */
export interface Malformed {
  file: string;
  line: number;
  why: string;
}

/** Collects skipped lines: all are counted, the first few kept for the message. */
export class MalformedLog {
  count = 0;
  readonly first: Malformed[] = [];
  add(file: string, line: number, why: string): void {
    this.count++;
    if (this.first.length < 20) this.first.push({ file, line, why });
  }
}

/**
 * The installed packages of a status file, keyed by "name:arch" and by plain "name" (the key a
 * `name.md5sums` file without an arch suffix uses). Packages that are not (half-)installed are left out:
 * their files are not on disk any more.
 */
export function readDpkgStatus(file: string, malformed: MalformedLog): Map<string, DpkgPackage> {
  const byKey = new Map<string, DpkgPackage>();
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    malformed.add(file, 0, `cannot read: ${(err as Error).message}`);
    return byKey;
  }
  let lineNo = 0;
  let stanzaStart = 1;
  let fields = new Map<string, string>();
  let conffiles: Array<{ path: string; md5: string }> = [];
  let inConffiles = false;
  const finish = (): void => {
    const name = fields.get("Package");
    const version = fields.get("Version");
    const status = fields.get("Status") ?? "";
    if (name && version && !/ (not-installed|config-files)$/.test(status)) {
      const arch = fields.get("Architecture") ?? "";
      const multiArchSame = fields.get("Multi-Arch") === "same";
      const pkg: DpkgPackage = { name, arch, version, multiArchSame, conffiles };
      byKey.set(`${name}:${arch}`, pkg);
      if (!byKey.has(name)) byKey.set(name, pkg);
    } else if (fields.size > 0 && !name) {
      malformed.add(file, stanzaStart, "stanza without a Package field");
    }
    fields = new Map();
    conffiles = [];
    inConffiles = false;
  };
  for (const line of lines(text)) {
    lineNo++;
    if (line === "") {
      finish();
      stanzaStart = lineNo + 1;
      continue;
    }
    if (line.startsWith(" ")) {
      if (!inConffiles) continue; // continuation of Description and the like
      // " /etc/ssh/moduli 1f68f6ab5e45958e61ff32297ea1c3ec [obsolete|remove-on-upgrade]"
      const parts = line.trim().split(" ");
      const md5 = parts[1];
      if (parts.length >= 2 && parts[0].startsWith("/") && md5 && MD5.test(md5)) {
        conffiles.push({ path: parts[0], md5 });
      } else if (md5 !== "newconffile") {
        malformed.add(file, lineNo, "conffile line is not '/path md5'");
      }
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) {
      malformed.add(file, lineNo, "field line without 'Name:'");
      continue;
    }
    const key = line.slice(0, colon);
    inConffiles = key === "Conffiles";
    fields.set(key, line.slice(colon + 1).trim());
  }
  finish();
  return byKey;
}

/**
 * Calls onEntry(md5, relativePath) for each good line of a *.md5sums file ("<32 hex><2 spaces><path>";
 * the path may contain spaces). Bad lines are counted.
 */
export function readMd5sums(
  file: string,
  malformed: MalformedLog,
  onEntry: (md5: string, relPath: string) => void,
): void {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    malformed.add(file, 0, `cannot read: ${(err as Error).message}`);
    return;
  }
  let lineNo = 0;
  for (const line of lines(text)) {
    lineNo++;
    if (line === "") continue;
    const md5 = line.slice(0, 32);
    // dpkg writes two spaces; md5sum's binary-mode marker " *" is accepted too.
    const sep = line.slice(32, 34);
    const rel = line.slice(34);
    if (!MD5.test(md5) || (sep !== "  " && sep !== " *") || rel === "" || rel.startsWith("/")) {
      malformed.add(file, lineNo, "not '<32 hex md5>  <relative path>'");
      continue;
    }
    onEntry(md5, rel);
  }
}

/** A dpkg diversion: files of packages other than `by` that would be at `from` are at `to`. */
export interface Diversion {
  to: string;
  /** The diverting package, or ":" for a local diversion (every package is diverted). */
  by: string;
}

/** The diversions file: absolute original path → where other packages' version of it lives. */
export function readDiversions(file: string, malformed: MalformedLog): Map<string, Diversion> {
  const out = new Map<string, Diversion>();
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return out; // no diversions file: none defined
  }
  const all = [...lines(text)];
  if (all.at(-1) === "") all.pop();
  if (all.length % 3 !== 0) malformed.add(file, all.length, "not a whole number of 3-line entries");
  for (let i = 0; i + 2 < all.length; i += 3) {
    const [from, to, by] = [all[i], all[i + 1], all[i + 2]];
    if (!from.startsWith("/") || !to.startsWith("/") || by === "") {
      malformed.add(file, i + 1, "entry is not 'from / to / package' lines");
      continue;
    }
    out.set(from, { to, by });
  }
  return out;
}

function* lines(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    yield text.slice(start, end);
    start = end + 1;
  }
}
