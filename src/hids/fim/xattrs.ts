/**
 * The `xattrs` attribute: a file's extended attributes (all namespaces: `security.capability`, which
 * grants a binary root powers without the suid bit, `security.selinux`, `trusted.*`, `user.*`), as one
 * string of sorted `name=0xHEX` lines, "" for none. Node has no xattr call, so a whole tree is read with
 * one run of `getfattr -R` (Debian package `attr`), not one process per file: about 0.35 CPU-s per 50,000
 * files. getfattr writes a path's newline, backslash and `=` as `\ooo` and other bytes raw, so its output
 * is read as bytes and each path turned into the same display form as every FIM row (names.ts).
 */
import { spawn } from "node:child_process";
import { displayPath } from "./names.js";

export const GETFATTR = "getfattr";

export class XattrToolMissing extends Error {
  constructor() {
    super(
      "fim: `attributes` lists xattrs, which needs getfattr: install it (Debian/Ubuntu: apt-get install attr) or remove xattrs from fim.attributes",
    );
    this.name = "XattrToolMissing";
  }
}

/**
 * Every path under `root` (itself included) that has extended attributes, by display path. undefined when
 * `root` cannot be named to getfattr (a path that is not UTF-8): its entries' xattrs are then unknown, and
 * unknown is never reported as a change (record.ts).
 */
export async function readTreeXattrs(root: Buffer): Promise<Map<string, string> | undefined> {
  const text = root.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(root)) return undefined;
  const out: Buffer[] = [];
  const code = await runGetfattr(
    ["-R", "-P", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names", "--", text],
    (b) => out.push(b),
  );
  // exit 1 is "some paths could not be read" (a folder without permission, a file that vanished): the
  // rest of the output stands; those paths' own rows say what could not be read
  if (code > 1) throw new Error(`fim: getfattr -R ${text} failed with exit code ${code}`);
  return parseGetfattr(Buffer.concat(out));
}

/** getfattr -d -e hex output → display path → canonical xattr string. */
export function parseGetfattr(out: Buffer): Map<string, string> {
  const byPath = new Map<string, string>();
  let path: string | undefined;
  let attrs: string[] = [];
  const done = () => {
    if (path !== undefined) byPath.set(path, attrs.sort().join("\n"));
    path = undefined;
    attrs = [];
  };
  let start = 0;
  while (start < out.length) {
    let end = out.indexOf(10, start);
    if (end < 0) end = out.length;
    const line = out.subarray(start, end);
    start = end + 1;
    if (line.length === 0) done();
    else if (line.subarray(0, 8).toString("latin1") === "# file: ") {
      done();
      path = displayPath(unescapeOctal(line.subarray(8)));
    } else if (path !== undefined) {
      const eq = line.lastIndexOf(0x3d);
      if (eq > 0)
        attrs.push(`${displayPath(unescapeOctal(line.subarray(0, eq)))}=${line.toString("latin1", eq + 1)}`);
    }
  }
  done();
  return byPath;
}

/** getfattr's `\ooo` escapes back to the bytes they stand for. */
function unescapeOctal(b: Buffer): Buffer {
  if (!b.includes(0x5c)) return b;
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const d = (k: number) => b[i + k] >= 0x30 && b[i + k] <= 0x37;
    if (b[i] === 0x5c && d(1) && d(2) && d(3)) {
      out.push(((b[i + 1] - 0x30) << 6) | ((b[i + 2] - 0x30) << 3) | (b[i + 3] - 0x30));
      i += 3;
    } else out.push(b[i]);
  }
  return Buffer.from(out);
}

/** A baseline row's record JSON (from a walking thread) with its xattrs added last, as observe's records. */
export function withXattrs(json: string, xattrs: string | undefined): string {
  return `${json.slice(0, -1)},"xattrs":${JSON.stringify(xattrs ?? "")}}`;
}

/** Refuses to start FIM with `xattrs` on a host without getfattr, rather than failing every scan later. */
export async function assertXattrTool(): Promise<void> {
  await runGetfattr(["--version"]);
}

/** Runs getfattr (C locale: its escapes are bytes, not the locale's) to its exit code; XattrToolMissing without it. */
function runGetfattr(args: string[], stdout?: (chunk: Buffer) => void): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const child = spawn(GETFATTR, args, {
      env: { ...process.env, LC_ALL: "C" },
      stdio: ["ignore", stdout ? "pipe" : "ignore", "ignore"],
    });
    if (stdout) child.stdout?.on("data", stdout);
    child.on("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "ENOENT" ? new XattrToolMissing() : err),
    );
    child.on("close", (c) => resolve(c ?? 1));
  });
}
