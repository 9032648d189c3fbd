/**
 * The built-in default, used when there is no config file: the sshd jail on the system's auth log
 * (or journald), dry-run bans (nothing is touched until the admin chooses a real action), data in ./data.
 * On a host with neither (a container, a minimal VM) it watches for the auth log files to appear instead
 * of restarting a journald reader that cannot work: it says so once, then waits quietly.
 */
import fs from "node:fs";
import path from "node:path";
import { configSchema, type MamoriConfig } from "./schema.js";

export const AUTH_LOG_CANDIDATES = ["/var/log/auth.log", "/var/log/secure"];
export const JOURNAL_DIRS = ["/run/log/journal", "/var/log/journal"];
/** the log group of the default jail while it waits for an auth log to appear */
export const WAITING_GROUP = "auth";

/** What the default looks at on this host (tests pass their own). */
export interface HostProbe {
  exists(file: string): boolean;
  /** whether systemd-journald keeps a journal mamori could read */
  hasJournal(): boolean;
  /** the auth log files to look for, in order (default AUTH_LOG_CANDIDATES) */
  authLogs?: readonly string[];
}

export const realHost: HostProbe = {
  exists: fs.existsSync,
  hasJournal: () => JOURNAL_DIRS.some((dir) => hasJournalFiles(dir, 2)),
};

function hasJournalFiles(dir: string, depth: number): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  return entries.some(
    (e) =>
      (e.isFile() && e.name.endsWith(".journal")) ||
      (e.isDirectory() && depth > 0 && hasJournalFiles(path.join(dir, e.name), depth - 1)),
  );
}

export function builtinDefaultConfig(probe: HostProbe = realHost): MamoriConfig {
  const candidates = probe.authLogs ?? AUTH_LOG_CANDIDATES;
  const authLog = candidates.find((p) => probe.exists(p));
  let source: Record<string, unknown>;
  if (authLog) source = { type: "file", path: authLog, group: authLog, start_position: "end_of_file" };
  else if (probe.hasJournal())
    source = {
      type: "journald",
      group: "journal/ssh",
      matches: ["_SYSTEMD_UNIT=ssh.service", "_SYSTEMD_UNIT=sshd.service"],
    };
  // nothing yet: the file source polls for the candidates and reads the first that appears from its start
  else source = { type: "file", path: [...candidates], group: WAITING_GROUP, start_position: "end_of_file" };
  const group = source.group as string;
  return configSchema.parse({
    data_dir: "./data",
    sources: [source],
    jails: [{ name: "sshd", filter: "sshd", group, action: "dry-run", port: "ssh" }],
  });
}

export interface DefaultNotice {
  level: "info" | "warn";
  message: string;
}

/** What the daemon says first when it runs the built-in default. */
export function describeDefault(config: MamoriConfig): DefaultNotice[] {
  const src = config.sources[0];
  const waiting = src?.type === "file" && src.group === WAITING_GROUP;
  const files = src?.type === "file" ? (Array.isArray(src.path) ? src.path : [src.path]) : [];
  const where =
    src?.type === "file" ? `the file ${files.join(" or ")}` : "journald (ssh.service, sshd.service)";
  const notices: DefaultNotice[] = [
    {
      level: "info",
      message: `no config file (./mamori.yaml) found: running the built-in default: the sshd jail on ${where}, data in ${config.data_dir}`,
    },
  ];
  if (waiting)
    notices.push({
      level: "warn",
      message:
        `nothing to watch yet: there is no ${files.join(", no ")} and no systemd journal (${JOURNAL_DIRS.join(", ")}). ` +
        "mamori keeps looking for those files quietly and says so when one appears (install rsyslog, or let sshd log there); " +
        "to watch other logs, write mamori.yaml with a `type: file` or `type: journald` source (see examples/ and docs/config.md) and run `mamori config check`",
    });
  notices.push({
    level: "info",
    message:
      "bans are dry-run (recorded, no firewall change): to ban for real, write mamori.yaml with `action: nftables` on the jail (see examples/) and run `mamori config check`",
  });
  return notices;
}
