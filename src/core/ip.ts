/**
 * IP and CIDR helpers. Every address is validated here before it reaches an action, so a user name
 * that merely looks like an address, or text with shell metacharacters, never gets anyone banned.
 */
import { createRequire } from "node:module";
import type ipaddrModule from "ipaddr.js";

let loaded: typeof ipaddrModule | undefined;

/**
 * ipaddr.js, loaded on first use (IPv4 addresses never need it: a short command such as `mamori regex`
 * on an IPv4 log then never loads it), and required rather than imported (CommonJS: an import would
 * scan its source for named exports first).
 */
function ipaddr(): typeof ipaddrModule {
  loaded ??= createRequire(import.meta.url)("ipaddr.js") as typeof ipaddrModule;
  return loaded;
}

export type IpFamily = "ipv4" | "ipv6";

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a syntactically valid IPv4 (dotted quad, no leading zeros) or IPv6 address (no zone). */
export function isIp(text: string): boolean {
  if (IPV4.test(text)) return true;
  if (!text.includes(":") || text.includes("%")) return false;
  return ipaddr().IPv6.isValid(text);
}

export function ipFamily(text: string): IpFamily | undefined {
  if (IPV4.test(text)) return "ipv4";
  if (isIp(text)) return "ipv6";
  return undefined;
}

/**
 * Canonical text form: IPv4 as is, IPv6 compressed lower-case; an IPv4-mapped IPv6 address
 * (::ffff:1.2.3.4) becomes the IPv4 address, since that is what the kernel sees.
 */
export function normalizeIp(text: string): string | undefined {
  if (IPV4.test(text)) return text;
  if (!isIp(text)) return undefined;
  const v6 = ipaddr().IPv6.parse(text);
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return v6.toString();
}

export interface Cidr {
  family: IpFamily;
  addr: ipaddrModule.IPv4 | ipaddrModule.IPv6;
  bits: number;
  text: string;
}

/**
 * Parses "10.0.0.0/8", "::1", "127.0.0.1/8" (host bits allowed, as fail2ban does). An IPv4-mapped
 * entry ("::ffff:10.0.0.5", "::ffff:10.0.0.0/104") becomes the IPv4 one it stands for, as addresses
 * from logs do (normalizeIp): otherwise such an ignoreip entry would never match anything.
 */
export function parseCidr(text: string): Cidr | undefined {
  const [addrText, bitsText, extra] = text.trim().split("/");
  if (extra !== undefined) return undefined;
  const fam = ipFamily(addrText);
  if (!fam) return undefined;
  const max = fam === "ipv4" ? 32 : 128;
  let bits = max;
  if (bitsText !== undefined) {
    if (!/^\d{1,3}$/.test(bitsText)) return undefined;
    bits = Number(bitsText);
    if (bits > max) return undefined;
  }
  const addr = ipaddr().parse(addrText);
  if (addr.kind() === "ipv6" && bits >= 96 && (addr as ipaddrModule.IPv6).isIPv4MappedAddress()) {
    const v4 = (addr as ipaddrModule.IPv6).toIPv4Address();
    return { family: "ipv4", addr: v4, bits: bits - 96, text: `${v4.toString()}/${bits - 96}` };
  }
  return { family: fam, addr, bits, text: `${addr.toString()}/${bits}` };
}

/** True when ip (validated) falls in cidr. An IPv4-mapped IPv6 address is compared as IPv4. */
export function cidrContains(cidr: Cidr, ip: string): boolean {
  const norm = normalizeIp(ip);
  if (!norm) return false;
  return addrIn(ipaddr().parse(norm), cidr);
}

function addrIn(addr: ipaddrModule.IPv4 | ipaddrModule.IPv6, cidr: Cidr): boolean {
  if (addr.kind() !== cidr.addr.kind()) return false;
  return (addr as ipaddrModule.IPv4).match(cidr.addr as ipaddrModule.IPv4, cidr.bits);
}

/** A compiled allow/ignore list: CIDRs and single addresses. */
export class CidrList {
  protected readonly cidrs: Cidr[];
  constructor(entries: Iterable<string>) {
    this.cidrs = [];
    for (const e of entries) {
      const c = parseCidr(e);
      if (c) this.cidrs.push(c);
    }
  }
  /** The address is parsed once, not once per CIDR (a jail asks for every failure). */
  contains(ip: string): boolean {
    if (this.cidrs.length === 0) return false;
    const norm = normalizeIp(ip);
    if (!norm) return false;
    const addr = ipaddr().parse(norm);
    return this.cidrs.some((c) => addrIn(addr, c));
  }
  get size(): number {
    return this.cidrs.length;
  }
}

/** The network an IPv6 address belongs to at the given prefix length, as "2001:db8::/64". */
export function ipv6Prefix(ip: string, bits: number): string | undefined {
  if (ipFamily(ip) !== "ipv6") return undefined;
  const bytes = ipaddr().IPv6.parse(ip).toByteArray();
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] &= (0xff << (8 - keep)) & 0xff;
  }
  return `${ipaddr().fromByteArray(bytes).toString()}/${bits}`;
}

/** Listen addresses of the network sources: "127.0.0.1:8514", "[::1]:6514" → host and port. */
export function parseHostPort(hostPort: string, what: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:/\s]+):(\d{1,5})$/.exec(hostPort);
  if (!m) throw new Error(`${what} "${hostPort}": expected HOST:PORT, e.g. 127.0.0.1:8514 or [::1]:8514`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`${what} "${hostPort}": port ${port} is out of range (0-65535)`);
  return { host: m[1].replace(/^\[|\]$/g, ""), port };
}
