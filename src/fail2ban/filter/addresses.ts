/** Addresses as fail2ban prints them, normalized through src/core/ip.ts with a memo (logs repeat them). */
import { ipv6Prefix, normalizeIp as normalizeIpUncached } from "../../core/ip.js";

const ipMemo = new Map<string, string | undefined>();
/** a dotted IPv4 address is its own normal form (src/core/ip.ts returns it as it is) */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * normalizeIp, remembered: a log names the same addresses over and over (IPv6 parsing is slow). IPv4
 * addresses skip the memo: a brute-force log names thousands, which would only churn it.
 */
export function normalizeIp(text: string): string | undefined {
  if (IPV4.test(text)) return text;
  let v = ipMemo.get(text);
  if (v === undefined && !ipMemo.has(text)) {
    v = normalizeIpUncached(text);
    if (ipMemo.size >= 4096) ipMemo.clear();
    ipMemo.set(text, v);
  }
  return v;
}

/** fail2ban's str(IPAddr(text, cidr)): a valid address normalized (masked to /cidr), else the text. */
export function ipAddrText(text: string, cidr: number | undefined): string {
  const norm = normalizeIp(text);
  if (!norm) return text;
  const v4 = !norm.includes(":");
  const full = v4 ? 32 : 128;
  if (cidr === undefined || cidr >= full) return norm;
  if (v4) {
    const n = norm.split(".").reduce((a, p) => a * 256 + Number(p), 0);
    const mask = cidr === 0 ? 0 : (0xffffffff << (32 - cidr)) >>> 0;
    const net = (n & mask) >>> 0;
    return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join(".")}/${cidr}`;
  }
  return ipv6Prefix(norm, cidr) ?? text;
}
