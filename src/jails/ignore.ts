/**
 * Who a jail never bans: `ignoreip` (addresses, CIDRs, host names resolved once at start) and, with
 * `ignoreself`, every address of this host. A prefix ban (IPv6 /64) that would cover one of them is
 * narrowed to the single attacking address instead.
 */
import dns from "node:dns/promises";
import os from "node:os";
import type ipaddr from "ipaddr.js";
import { CidrList, normalizeIp, parseCidr } from "../core/ip.js";

/** Host name → its addresses (dns.lookup by default; tests inject one). */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) =>
  (await dns.lookup(host, { all: true })).map((a) => a.address);

/** The host's own addresses (os.networkInterfaces by default). */
export type OwnAddresses = () => string[];

export const systemAddresses: OwnAddresses = () =>
  Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((a) => a.address);

export class IgnoreList extends CidrList {
  /** True when the network `prefix` ("2001:db8::/64") shares any address with an entry. */
  overlaps(prefix: string): boolean {
    const p = parseCidr(prefix);
    if (!p) return false;
    return this.cidrs.some((c) => {
      if (c.family !== p.family) return false;
      const [wide, narrow] = c.bits <= p.bits ? [c, p] : [p, c];
      return (narrow.addr as ipaddr.IPv6).match(wide.addr as ipaddr.IPv6, wide.bits);
    });
  }

  get entries(): string[] {
    return this.cidrs.map((c) => c.text);
  }
}

export interface IgnoreOptions {
  ignoreip: readonly string[];
  ignoreself: boolean;
  resolver?: Resolver;
  ownAddresses?: OwnAddresses;
  /** told about host names that do not resolve (they are skipped) */
  onUnresolved?: (host: string, err: unknown) => void;
}

/** Builds the list: CIDRs as written, host names resolved once, the host's addresses when ignoreself. */
export async function buildIgnoreList(o: IgnoreOptions): Promise<IgnoreList> {
  const entries: string[] = [];
  for (const item of o.ignoreip) {
    if (parseCidr(item)) {
      entries.push(item);
      continue;
    }
    try {
      const addrs = await (o.resolver ?? systemResolver)(item);
      for (const a of addrs) if (normalizeIp(a)) entries.push(a);
    } catch (err) {
      o.onUnresolved?.(item, err);
    }
  }
  if (o.ignoreself) {
    for (const raw of (o.ownAddresses ?? systemAddresses)()) {
      const a = raw.replace(/%.*$/, ""); // link-local addresses carry a zone (fe80::1%eth0)
      if (normalizeIp(a)) entries.push(a);
    }
  }
  return new IgnoreList(entries);
}
