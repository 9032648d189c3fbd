/**
 * A jail's `port` value as fail2ban writes it ("ssh", "http,https", "22,2222", "8000:8100", "0:65535")
 * resolved to numeric ranges, so nft, iptables and ipset rules never see a name they might read
 * differently. Names come from /etc/services (what fail2ban's iptables relies on through the libc), the
 * one file core reads: jail configs are checked with it, and every firewall action uses it.
 */
import { readFileSync } from "node:fs";
import type { EntryCheck } from "./config.js";

/** A port list that cannot be used; says what to write instead. */
export class PortListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PortListError";
  }
}

export interface PortRange {
  from: number;
  to: number;
}

export type Protocol = "tcp" | "udp" | "all";

/** Used when /etc/services is missing (minimal containers). */
const FALLBACK: Record<string, number> = {
  ssh: 22,
  smtp: 25,
  http: 80,
  pop3: 110,
  imap: 143,
  https: 443,
  submission: 587,
  submissions: 465,
  imaps: 993,
  pop3s: 995,
  ftp: 21,
};

let servicesCache: Map<string, number> | undefined;

/** name/proto → port, plus name → port for any protocol. */
export function parseServices(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    const [name, portProto, ...aliases] = line.split(/\s+/);
    const m = /^(\d+)\/(\w+)$/.exec(portProto ?? "");
    if (!m) continue;
    const port = Number(m[1]);
    for (const n of [name, ...aliases]) {
      if (!out.has(`${n}/${m[2]}`)) out.set(`${n}/${m[2]}`, port);
      if (!out.has(n)) out.set(n, port);
    }
  }
  return out;
}

function services(): Map<string, number> {
  if (!servicesCache) {
    try {
      servicesCache = parseServices(readFileSync("/etc/services", "utf8"));
    } catch {
      servicesCache = new Map(Object.entries(FALLBACK));
    }
  }
  return servicesCache;
}

function portNumber(token: string, protocol: Protocol, known: Map<string, number>): number {
  if (/^\d{1,5}$/.test(token)) {
    const n = Number(token);
    if (n <= 65535) return n;
  } else if (/^[A-Za-z][A-Za-z0-9_-]*$/.test(token)) {
    const lower = token.toLowerCase();
    const n =
      (protocol !== "all" ? known.get(`${lower}/${protocol}`) : undefined) ??
      known.get(lower) ??
      FALLBACK[lower];
    if (n !== undefined) return n;
    throw new PortListError(
      `port "${token}" is not a known service name (not in /etc/services): write its number instead`,
    );
  }
  throw new PortListError(`port "${token}" is not a port number (0-65535) or a service name`);
}

/**
 * Parses the port list; undefined or "" means every port (the rule then matches on the address alone).
 * Ranges are written "a:b" (fail2ban, iptables) or "a-b" (nft).
 */
export function parsePorts(
  value: string | undefined,
  protocol: Protocol,
  known: Map<string, number> = services(),
): PortRange[] | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const ranges: PortRange[] = [];
  for (const item of value.split(/[,\s]+/).filter(Boolean)) {
    const parts = item.split(/[:-](?=[^:-]*$)/);
    if (parts.length === 2 && /^\d+$/.test(parts[0]) && /^\d+$/.test(parts[1])) {
      const from = portNumber(parts[0], protocol, known);
      const to = portNumber(parts[1], protocol, known);
      if (from > to)
        throw new PortListError(`port range "${item}" runs backwards: write it as ${to}:${from}`);
      if (from === 0 && to === 65535) return undefined;
      ranges.push({ from, to });
    } else {
      const n = portNumber(item, protocol, known);
      ranges.push({ from: n, to: n });
    }
  }
  return ranges;
}

/** "22, 8000-8100" for nft sets. */
export function nftPorts(ranges: PortRange[]): string {
  return ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)).join(", ");
}

/** "22,8000:8100" for iptables -m multiport (at most 15 ports, a range counting as two). */
export function multiportPorts(ranges: PortRange[]): string {
  const weight = ranges.reduce((n, r) => n + (r.from === r.to ? 1 : 2), 0);
  if (weight > 15)
    throw new PortListError(
      "iptables multiport takes at most 15 ports (a range counts as two): use fewer ports or the nftables action",
    );
  return ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}:${r.to}`)).join(",");
}

/** What is wrong with a port list (unknown service name, bad range), or undefined. */
export function portListProblem(port: string | undefined, protocol: Protocol): string | undefined {
  try {
    parsePorts(port, protocol);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The port check of the iptables-based actions (ipset, iptables): more ports than multiport takes.
 * A list that does not parse at all is portListProblem's to report.
 */
export function multiportProblem(port: string | undefined, protocol: Protocol): string | undefined {
  let ranges: PortRange[] | undefined;
  try {
    ranges = parsePorts(port, protocol);
  } catch {
    return undefined;
  }
  try {
    if (ranges) multiportPorts(ranges);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** multiportProblem at the jail's `port` key (or `protocol` when no port is given). */
export const checkMultiport: EntryCheck<{ port?: string; protocol: Protocol }> = (jail, at) => {
  const problem = multiportProblem(jail.port, jail.protocol);
  return problem ? [at([jail.port === undefined ? "protocol" : "port"], problem)] : [];
};
