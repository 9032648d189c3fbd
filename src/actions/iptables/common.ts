/**
 * What the iptables-based actions share: kernel object names, the port match, the verdict, check()'s
 * report and removing a rule.
 */
import { createHash } from "node:crypto";
import type { JailConfig } from "../../config/schema.js";
import type { IpFamily } from "../../core/ip.js";
import { multiportPorts, parsePorts } from "../ports.js";
import type { CommandRunner } from "../runner.js";
import type { ActionReport } from "../types.js";

/** A name within `max` characters: prefix + jail, or prefix + a short jail + hash when too long. */
export function kernelName(prefix: string, jail: string, max: number): string {
  const full = `${prefix}${jail}`;
  if (full.length <= max) return full;
  const hash = createHash("sha256").update(jail).digest("hex").slice(0, 8);
  return `${prefix}${jail.slice(0, max - prefix.length - 9)}-${hash}`;
}

export function iptablesBinary(family: IpFamily): string {
  return family === "ipv4" ? "iptables" : "ip6tables";
}

/**
 * The protocol/port part of a rule, one argv per rule: `protocol: all` with ports needs a tcp and a
 * udp rule, since multiport only works with one of them.
 */
export function portMatches(jail: Pick<JailConfig, "port" | "protocol">): string[][] {
  const ports = parsePorts(jail.port, jail.protocol);
  const protos = jail.protocol === "all" ? (ports ? ["tcp", "udp"] : []) : [jail.protocol];
  if (protos.length === 0) return [[]];
  return protos.map((p) =>
    ports ? ["-p", p, "-m", "multiport", "--dports", multiportPorts(ports)] : ["-p", p],
  );
}

/** -j DROP / REJECT; a tcp reset only where the rule itself matches tcp. */
export function verdictArgs(jail: Pick<JailConfig, "blocktype">, match: string[]): string[] {
  if (jail.blocktype === "drop") return ["-j", "DROP"];
  return match.includes("tcp") ? ["-j", "REJECT", "--reject-with", "tcp-reset"] : ["-j", "REJECT"];
}

/** check()'s answer from what it found missing: start() recreates every missing piece, which the ban manager does. */
export function firewallReport(banned: string[], problems: string[]): ActionReport {
  if (problems.length > 0)
    return { ok: false, banned, detail: `${problems.join("; ")} (a running mamori recreates them)` };
  return { ok: true, banned };
}

/** Runs an `iptables -D` argv until it fails: -D removes one copy per call and a rule may be there twice. */
export async function deleteEveryCopy(runner: CommandRunner, argv: string[]): Promise<void> {
  while ((await runner.run(argv)).code === 0) {
    // the next copy, if any
  }
}
