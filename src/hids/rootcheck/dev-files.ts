/**
 * dev_files: /dev holds device nodes, sockets, links and the folders the kernel and udev make. A regular
 * file or an unknown folder there is a classic hiding place (rootkits keep their config and logs in /dev
 * because nobody lists it). The known set is what Debian, RHEL and systemd put there.
 */
import type { Stats } from "node:fs";
import path from "node:path";
import { type CheckFinding, shellQuote, systemPathOf, underRoot } from "./finding.js";
import { walkTree } from "./walk.js";

export interface DevFilesOptions {
  root: string;
  /** more system paths under /dev that are fine (files or folders, with what is below them) */
  allow?: readonly string[];
  signal?: AbortSignal;
}

/** Folders under /dev (and all below them) that systems create. */
const KNOWN_DIRS = [
  "/dev/block",
  "/dev/bsg",
  "/dev/bus",
  "/dev/char",
  "/dev/cpu",
  "/dev/disk",
  "/dev/dri",
  "/dev/fd",
  "/dev/hugepages",
  "/dev/input",
  "/dev/mapper",
  "/dev/mqueue",
  "/dev/net",
  "/dev/pts",
  "/dev/serial",
  "/dev/shm",
  "/dev/snd",
  "/dev/usb",
  "/dev/vfio",
  "/dev/virtio-ports",
  "/dev/v4l",
  "/dev/dma_heap",
  "/dev/lightnvm",
  "/dev/md",
  "/dev/vg",
  "/dev/raw",
  "/dev/hugepages1G",
  "/dev/.udev",
  "/dev/.lxc",
  "/dev/.lxd-mounts",
  "/dev/.initramfs",
];

/** Regular files that systems keep in /dev. */
const KNOWN_FILES = ["/dev/.udev.tdb", "/dev/shm", "/dev/MAKEDEV", "/dev/README", "/dev/.initramfs-tools"];

function isAllowed(systemPath: string, allow: readonly string[]): boolean {
  return allow.some((a) => systemPath === a || systemPath.startsWith(`${a}/`));
}

export async function checkDevFiles(o: DevFilesOptions): Promise<CheckFinding[]> {
  const dev = underRoot(o.root, "/dev");
  const allow = [...KNOWN_DIRS, ...KNOWN_FILES, ...(o.allow ?? [])];
  const findings: CheckFinding[] = [];
  const skip = new Set(KNOWN_DIRS.map((d) => underRoot(o.root, d)));
  await walkTree(
    [dev],
    (file: string, st: Stats) => {
      const sys = systemPathOf(o.root, file);
      if (isAllowed(sys, allow)) return;
      if (st.isFile()) findings.push(devFinding(sys, "regular file", st));
      else if (st.isDirectory()) findings.push(devFinding(sys, "folder", st));
    },
    { skip, maxEntries: 200_000, signal: o.signal },
  );
  return findings;
}

function devFinding(sys: string, kind: "regular file" | "folder", st: Stats): CheckFinding {
  const shown = shellQuote(sys);
  const hidden = path.basename(sys).startsWith(".");
  return {
    check: "dev_files",
    severity: kind === "regular file" ? (hidden ? "high" : "medium") : "medium",
    title: `unexpected ${kind} in /dev: ${sys}`,
    detail:
      `${JSON.stringify(sys)} is a ${kind} (mode ${(st.mode & 0o7777).toString(8)}, uid ${st.uid}, ${st.size} bytes) where only ` +
      "device nodes belong; rootkits keep configuration and logs there. Investigate: " +
      `\`ls -la ${shown}\`, \`file ${shown}\`, \`stat ${shown}\` (times tell when it appeared), ` +
      `\`fuser -v ${shown}\` for who uses it; if a package or driver explains it, list it in rootcheck.dev_allow.`,
    path: sys,
  };
}
