/**
 * A real sshd (Debian's openssh-server) in a network namespace, and failed password logins against it
 * (sshpass + ssh) from another, for the e2e tests of jails.
 *
 * sshd logs to stderr (-D -e); each line is appended to the auth log framed the way syslog writes
 * /var/log/auth.log ("Nov 25 08:00:01 server sshd[PID]: ..."): `sshd -E FILE` writes bare messages without
 * date or "sshd[PID]:", which fail2ban's own sshd filter does not match either (checked with fail2ban-regex).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Netns } from "../../../src/actions/testing/netns.js";
import { syslogDate } from "../../../src/sources/journald/format.js";

export const SSHD = "/usr/sbin/sshd";

/** Why sshd cannot run here, or undefined. */
export function sshdUnavailable(): string | undefined {
  return fs.existsSync(SSHD)
    ? undefined
    : "openssh-server is not installed (scripts/install-test-deps.sh installs it)";
}

/**
 * Runs sshd -D -e in the namespace on listen:port; its stderr lines are appended to authLog, syslog-framed
 * (`host` in the frame), and handed to onLines right after they are written (for timing).
 */
export function startSshd(
  ns: Netns,
  dir: string,
  o: { listen: string; port: number; authLog: string; host?: string; onLines?: (lines: string[]) => void },
): ChildProcess {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "hostkey")]);
  const cfg = path.join(dir, "sshd_config");
  fs.writeFileSync(
    cfg,
    [
      `Port ${o.port}`,
      `ListenAddress ${o.listen}`,
      `HostKey ${path.join(dir, "hostkey")}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      "PasswordAuthentication yes",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "LogLevel INFO",
      "MaxStartups 100",
      "",
    ].join("\n"),
  );
  fs.mkdirSync("/run/sshd", { recursive: true }); // sshd's privilege separation directory
  const child = spawn("ip", ["netns", "exec", ns.name, SSHD, "-D", "-e", "-f", cfg], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let partial = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    const framed = lines
      .filter((l) => l.trim() !== "")
      .map(
        (l) => `${syslogDate(Date.now())} ${o.host ?? "server"} sshd[${child.pid}]: ${l.replace(/\r$/, "")}`,
      );
    if (framed.length === 0) return;
    fs.appendFileSync(o.authLog, framed.map((l) => `${l}\n`).join(""));
    o.onLines?.(framed);
  });
  return child;
}

/** One failed password login from the attacker namespace (bounded by ConnectTimeout and a kill timer). */
export function failedLogin(att: Netns, server: string, port: number): Promise<string> {
  const argv = [
    "netns",
    "exec",
    att.name,
    "sshpass",
    "-p",
    "wrong-password",
    "ssh",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "BatchMode=no",
    "-o",
    "PubkeyAuthentication=no",
    "-o",
    "PreferredAuthentications=password",
    "-o",
    "NumberOfPasswordPrompts=1",
    "-o",
    "ConnectTimeout=3",
    "-p",
    String(port),
    `nosuchuser@${server}`,
    "true",
  ];
  return new Promise((resolve) => {
    const child = spawn("ip", argv, { stdio: ["ignore", "ignore", "pipe"], timeout: 10_000 });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("close", () => resolve(err));
  });
}
