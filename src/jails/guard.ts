/**
 * What no ban may ever cover, whoever asks (a jail or `mamori bans add`): addresses that are not a
 * single sender (unspecified, broadcast, multicast), prefixes so wide they lock out whole regions of the
 * Internet (shorter than /8 for IPv4 or /32 for IPv6, unless forced), and anything the jail's ignore
 * list holds (`ignoreip`, and the host's own addresses with `ignoreself`). A refusal is a sentence
 * saying why, so the CLI and the logs can show it as is.
 */
import ipaddr from "ipaddr.js";
import { type BanTarget, parseTarget } from "../actions/target.js";
import type { IgnoreList } from "./ignore.js";

/** The shortest prefix a ban may have without `force`. */
export const MIN_BAN_PREFIX = { ipv4: 8, ipv6: 32 } as const;

/** Address ranges that never name one sender; a ban on them blocks nothing real or breaks things. */
const NEVER_SINGLE = new Set(["unspecified", "broadcast", "multicast"]);
const MULTICAST = { ipv4: ipaddr.parseCIDR("224.0.0.0/4"), ipv6: ipaddr.parseCIDR("ff00::/8") };

export interface GuardOptions {
  /** the jail's ignore list (ignoreip + own addresses with ignoreself) */
  ignore?: Pick<IgnoreList, "contains" | "overlaps">;
  /** allow prefixes shorter than MIN_BAN_PREFIX */
  force?: boolean;
}

/** Why `text` must not be banned, or undefined when it may be. */
export function banRefusal(text: string, o: GuardOptions = {}): string | undefined {
  const t = parseTarget(text);
  if (!t) return `${JSON.stringify(text.slice(0, 80))} is not an IP address or CIDR`;
  return addressRefusal(t) ?? prefixRefusal(t, o.force ?? false) ?? ignoreRefusal(t, o.ignore);
}

function addressRefusal(t: BanTarget): string | undefined {
  const addr = ipaddr.parse(t.addr);
  if (!t.isPrefix) {
    const range = addr.range();
    return NEVER_SINGLE.has(range) ? `${t.text} is a ${range} address, never a sender to ban` : undefined;
  }
  const [net, bits] = MULTICAST[t.family];
  if (t.bits >= bits && (addr as ipaddr.IPv4).match(net as ipaddr.IPv4, bits))
    return `${t.text} is a multicast range, never a sender to ban`;
  return undefined;
}

function prefixRefusal(t: BanTarget, force: boolean): string | undefined {
  const min = MIN_BAN_PREFIX[t.family];
  if (!t.isPrefix || t.bits >= min || force) return undefined;
  return `${t.text} is wider than /${min}, the widest ${t.family === "ipv4" ? "IPv4" : "IPv6"} prefix mamori bans by default; pass --force to ban it anyway`;
}

function ignoreRefusal(t: BanTarget, ignore: GuardOptions["ignore"]): string | undefined {
  if (!ignore) return undefined;
  const hit = t.isPrefix ? ignore.overlaps(t.text) : ignore.contains(t.text);
  return hit
    ? `${t.text} ${t.isPrefix ? "covers an address" : "is"} in the jail's ignoreip (or the host's own addresses, ignoreself)`
    : undefined;
}
