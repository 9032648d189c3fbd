/**
 * fail2ban's regex tags (`<HOST>`, `<ADDR>`, `<F-USER>...</F-USER>`, ...) expanded exactly as
 * fail2ban/server/failregex.py `Regex._resolveHostTag` does, into a Python pattern.
 */

const IP_4_RE = String.raw`(?:\d{1,3}\.){3}\d{1,3}`;
const IP_6_RE = String.raw`(?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):)`;

const R_IPV4 = String.raw`(?:::f{4,6}:)?(?P<ip4>${IP_4_RE})`;
const R_IPV6 = `(?P<ip6>${IP_6_RE})`;
const R_DNS = String.raw`(?P<dns>[\w\-.^_]*\w)`;
const R_ADDR = String.raw`\[?(?:${R_IPV4}|${R_IPV6})\]?`;
const R_HOST = `(?:${R_ADDR}|${R_DNS})`;
const R_CIDR = String.raw`(?P<cidr>\d+)`;
const R_SUBNET = String.raw`\[?(?:${R_IPV4}|${R_IPV6})(?:/${R_CIDR})?\]?`;

const RH4TAG: Record<string, string> = {
  IP4: R_IPV4,
  "F-IP4/": R_IPV4,
  IP6: R_IPV6,
  "F-IP6/": R_IPV6,
  ADDR: R_ADDR,
  "F-ADDR/": R_ADDR,
  CIDR: R_CIDR,
  "F-CIDR/": R_CIDR,
  SUBNET: R_SUBNET,
  "F-SUBNET/": R_SUBNET,
  DNS: R_DNS,
  "F-DNS/": R_DNS,
  "F-ID/": String.raw`(?P<fid>\S+)`,
  "F-PORT/": String.raw`(?P<fport>\w+)`,
};

const R_MAP: Record<string, string> = { id: "fid", port: "fport" };

const FTAG = /<\/?[\w-]+\/?>/g;
const FCUSTNAME = /^(\/?)F-([A-Z0-9_-]+)$/;

function mapTag2Opt(tag: string): string {
  const t = tag.toLowerCase();
  return R_MAP[t] ?? t;
}

/** The regex `<HOST>` stands for: addresses and DNS names, or addresses only with usedns=no. */
export function hostTagRegex(useDns: string): string {
  return useDns === "no" ? R_ADDR : R_HOST;
}

export function expandFail2banTags(regex: string, useDns = "warn"): string {
  const openTags = new Set<string>();
  let nl = 0;
  return regex.replace(FTAG, (tag) => {
    const tn = tag.slice(1, -1);
    if (tn === "HOST") return hostTagRegex(useDns);
    if (tn === "SKIPLINES") return String.raw`\n(?P<skiplines${nl++}>(?:(?:.*\n)*?))`;
    if (Object.hasOwn(RH4TAG, tn)) return RH4TAG[tn];
    const m = FCUSTNAME.exec(tn);
    if (!m) return tag;
    const name = m[2];
    if (m[1]) return openTags.has(name) ? ")" : tag;
    openTags.add(name);
    return `(?P<${mapTag2Opt(name)}>`;
  });
}

/** `((?i)x)` / `(?:(?i)x)` → `(?i:x)`, as fail2ban does before compiling (R_GLOB2LOCFLAGS). */
export function globalToLocalFlags(regex: string): string {
  return regex.replace(/(?<!\\)\((?:\?:)?(\(\?[a-z]+)\)/g, "$1:");
}

/** The Python pattern fail2ban compiles for a filter regex. */
export function fail2banPattern(regex: string, useDns = "warn"): string {
  return globalToLocalFlags(expandFail2banTags(regex, useDns));
}
