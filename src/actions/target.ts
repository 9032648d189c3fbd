/**
 * The last gate before a firewall: a ban target must be a syntactically valid address or CIDR, in
 * canonical form. Anything else (a user name, text with shell or nft metacharacters) is refused here,
 * whatever the caller checked before.
 */
import ipaddr from "ipaddr.js";
import { type IpFamily, normalizeIp, parseCidr } from "../core/ip.js";
import { ActionError } from "./types.js";

export interface BanTarget {
  family: IpFamily;
  /** canonical text: "1.2.3.4", "2001:db8::1", or a prefix "2001:db8::/64" */
  text: string;
  /** the address part and the prefix length (32 / 128 for a single address) */
  addr: string;
  bits: number;
  isPrefix: boolean;
}

export function parseTarget(text: string): BanTarget | undefined {
  if (typeof text !== "string" || text.length > 64) return undefined;
  if (!text.includes("/")) {
    const ip = normalizeIp(text);
    if (!ip) return undefined;
    const family: IpFamily = ip.includes(":") ? "ipv6" : "ipv4";
    return { family, text: ip, addr: ip, bits: family === "ipv4" ? 32 : 128, isPrefix: false };
  }
  const c = parseCidr(text);
  if (!c) return undefined;
  const max = c.family === "ipv4" ? 32 : 128;
  if (c.bits === max)
    return { family: c.family, text: c.addr.toString(), addr: c.addr.toString(), bits: max, isPrefix: false };
  const addr = networkOf(c.addr.toByteArray(), c.bits);
  return { family: c.family, text: `${addr}/${c.bits}`, addr, bits: c.bits, isPrefix: true };
}

/** Like parseTarget, but throws: what actions call before any command runs. */
export function requireTarget(text: string): BanTarget {
  const t = parseTarget(text);
  if (!t)
    throw new ActionError(
      `refusing to act on ${JSON.stringify(String(text).slice(0, 80))}: not an IP address or CIDR`,
    );
  return t;
}

function networkOf(bytes: number[], bits: number): string {
  const out = bytes.slice();
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] &= (0xff << (8 - keep)) & 0xff;
  }
  return ipaddr.fromByteArray(out).toString();
}

/** True when `outer` holds every address of `inner` (same family, outer's prefix no longer, inner inside). */
export function targetContains(outer: BanTarget, inner: BanTarget): boolean {
  if (outer.family !== inner.family || outer.bits > inner.bits) return false;
  const a = ipaddr.parse(inner.addr);
  return (a as ipaddr.IPv4).match(ipaddr.parse(outer.addr) as ipaddr.IPv4, outer.bits);
}

/** Like targetContains on texts; false when either is not a target (e.g. an nft range "a-b"). */
export function coversTarget(outer: string, inner: string): boolean {
  const o = parseTarget(outer);
  const i = parseTarget(inner);
  return o !== undefined && i !== undefined && targetContains(o, i);
}
