/** Descriptions of the `rootcheck` keys (config-keys.ts holds the rest). See docs/rootcheck.md. */
import type { KeyDoc } from "./config-keys.js";

const d = (text: string, example?: string): KeyDoc => ({ text, example });

export const rootcheckKeys: Record<string, KeyDoc> = {
  rootcheck: d(
    "Rootkit and host checks (OSSEC rootcheck, chkrootkit): each finding is an event in `mamori/rootcheck` that says how to investigate it. Absent: the daemon runs no checks; `mamori rootcheck` runs them all with the defaults.",
  ),
  "rootcheck.schedule": d("Time between two runs; the daemon also runs them once at start.", "6h"),
  "rootcheck.checks": d(
    "The checks to run: hidden_processes, hidden_ports, promiscuous, dev_files, suid, world_writable, rootkit_files (default: all).",
    "[hidden_processes, rootkit_files, suid]",
  ),
  "rootcheck.root": d(
    "The root file system the file checks (dev_files, suid, world_writable, rootkit_files) look at; another path checks a mounted disk image.",
    "/mnt/suspect",
  ),
  "rootcheck.proc": d(
    "The procfs hidden_processes and hidden_ports compare the kernel's answers with.",
    "/proc",
  ),
  "rootcheck.sys": d("The sysfs whose `class/net/*/flags` promiscuous reads.", "/sys"),
  "rootcheck.ports": d(
    "The ports hidden_ports tries to bind (TCP and UDP), as FIRST-LAST; the whole range takes a few seconds.",
    "1-1024",
  ),
  "rootcheck.paths": d(
    "System folders (inside `root`) that suid and world_writable walk; symlinks are not followed, /proc, /sys, /dev and /run are skipped.",
    "[/usr, /etc, /opt]",
  ),
  "rootcheck.dev_allow": d(
    "Paths under /dev that may be regular files or folders on this host (a driver's or a tool's), with what is below them.",
    "[/dev/nvidia-caps]",
  ),
  "rootcheck.known_promiscuous": d(
    "Interfaces (`*` wildcards) that are promiscuous on purpose (a capture port): reported as low severity. Bridges and bridge ports always are.",
    "[mirror0, tap*]",
  ),
};
