/**
 * Run inside a private mount namespace (`unshare -m --propagation private node --import tsx hide-ports.ts`):
 * opens a TCP listener and a UDP socket it hides, and a TCP listener it leaves visible, then bind-mounts a
 * copy of this process's /proc/PID/net without the hidden ones' rows over /proc/PID/net (what /proc/net
 * resolves to for this process), runs the hidden_ports check on ranges around each port and prints
 * {"hiddenTcp","hiddenUdp","visibleTcp","findings"} as one JSON line.
 */
import { execFileSync } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { checkHiddenPorts } from "../hidden-ports.js";
import { localPorts } from "../proc-net.js";

function listen(): Promise<net.Server> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => resolve(s));
  });
}
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;

const hidden = await listen();
const visible = await listen();
const udp = dgram.createSocket("udp4");
await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", () => resolve()));
const hiddenTcp = portOf(hidden);
const visibleTcp = portOf(visible);
const hiddenUdp = udp.address().port;

const fake = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fakenet-"));
const netDir = `/proc/${process.pid}/net`;
for (const table of ["tcp", "tcp6", "udp", "udp6"]) {
  const drop = table.startsWith("tcp") ? hiddenTcp : hiddenUdp;
  const lines = fs
    .readFileSync(path.join(netDir, table), "utf8")
    .split("\n")
    .filter((line) => !localPorts(`${line}\n`).includes(drop));
  fs.writeFileSync(path.join(fake, table), lines.join("\n"));
}
try {
  execFileSync("mount", ["--bind", fake, netDir]);
  const findings = [
    ...(await checkHiddenPorts({
      proc: "/proc",
      first: hiddenTcp - 20,
      last: hiddenTcp + 20,
      protocols: ["tcp"],
    })),
    ...(await checkHiddenPorts({ proc: "/proc", first: visibleTcp, last: visibleTcp, protocols: ["tcp"] })),
    ...(await checkHiddenPorts({ proc: "/proc", first: hiddenUdp, last: hiddenUdp, protocols: ["udp"] })),
  ];
  process.stdout.write(`${JSON.stringify({ hiddenTcp, hiddenUdp, visibleTcp, findings })}\n`);
} finally {
  try {
    execFileSync("umount", [netDir]);
  } catch {
    // the namespace ends with this process anyway
  }
  fs.rmSync(fake, { recursive: true, force: true });
  hidden.close();
  visible.close();
  udp.close();
}
