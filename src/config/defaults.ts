/**
 * The built-in default, used when there is no config file: the sshd jail on the system's auth log
 * (or journald), dry-run bans (nothing is touched until the admin chooses a real action), data in ./data.
 */
import fs from "node:fs";
import { configSchema, type MamoriConfig } from "./schema.js";

export const AUTH_LOG_CANDIDATES = ["/var/log/auth.log", "/var/log/secure"];

export function builtinDefaultConfig(exists: (p: string) => boolean = fs.existsSync): MamoriConfig {
  const authLog = AUTH_LOG_CANDIDATES.find(exists);
  const group = authLog ?? "journal/ssh";
  const source = authLog
    ? { type: "file", path: authLog, group, start_position: "end_of_file" }
    : { type: "journald", group, matches: ["_SYSTEMD_UNIT=ssh.service", "_SYSTEMD_UNIT=sshd.service"] };
  return configSchema.parse({
    data_dir: "./data",
    sources: [source],
    jails: [{ name: "sshd", filter: "sshd", group, action: "dry-run", port: "ssh" }],
  });
}

/** What the daemon says first when it runs the built-in default. */
export function describeDefault(config: MamoriConfig): string[] {
  const src = config.sources[0];
  const where = src?.type === "file" ? `the file ${String(src.path)}` : "journald (ssh.service)";
  return [
    `no config file (./mamori.yaml) found: running the built-in default: the sshd jail on ${where}, data in ${config.data_dir}`,
    "bans are dry-run (recorded, no firewall change): to ban for real, write mamori.yaml with `action: nftables` on the jail (see examples/) and run `mamori config check`",
  ];
}
