/**
 * fail2ban's value syntaxes, parsed as its Python code does: booleans (configparser), word lists
 * (helpers.splitwords), action lists (helpers.splitWithOptions), time values (MyTime.str2seconds),
 * journal matches (shlex.split) and ignoreip entries (IP, CIDR, netmask, host name).
 */
import { parseDuration } from "../../core/duration.js";
import { parseCidr } from "../../core/ip.js";

const TRUE = new Set(["1", "yes", "true", "on"]);
const FALSE = new Set(["0", "no", "false", "off"]);

/** configparser's getboolean; undefined when the text is not a boolean. */
export function parseBool(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return undefined;
}

/** helpers.splitwords: words separated by white space and commas. */
export function splitWords(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((w) => w.trim())
    .filter(Boolean);
}

// helpers.OPTION_SPLIT_CRE: `name[opt="v, w", ...]` entries separated by white space or new lines
const OPTION_SPLIT =
  /(?:[^[\s]+(?:\s*\[\s*(?:[\w\-_.]+=(?:"[^"]*"|'[^']*'|[^,\]]*)\s*(?:,|\]\s*\[)?\s*)*\])?\s*|\S+)(?=\n\s*|\s+|$)/gs;

/** helpers.splitWithOptions: the entries of an `action` value, each `name[args]`. */
export function splitWithOptions(text: string): string[] {
  return [...text.matchAll(OPTION_SPLIT)].map((m) => m[0].trim()).filter(Boolean);
}

/** MyTime.str2seconds: `600`, `10m`, `1h 30m`, `-1`; throws DurationError with a fix. */
export function parseTime(text: string): number {
  return parseDuration(text.trim());
}

/** shlex.split as fail2ban applies it to a journalmatch line (quotes group, backslash escapes). */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} quote in "${line}"`);
  if (inWord) out.push(cur);
  return out;
}

/** `255.255.255.0` → 24; undefined when it is not a contiguous IPv4 netmask. */
function netmaskBits(mask: string): number | undefined {
  const parts = mask.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  const bin = parts.map((p) => Number(p).toString(2).padStart(8, "0")).join("");
  return /^1*0*$/.test(bin) ? (bin.indexOf("0") === -1 ? 32 : bin.indexOf("0")) : undefined;
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * One ignoreip entry as mamori's jail takes it: an address or CIDR as written, `a.b.c.d/255.255.0.0`
 * turned into a prefix length, a host name kept (resolved when the jail starts); undefined when it is
 * none of these.
 */
export function ignoreEntry(word: string): string | undefined {
  if (parseCidr(word)) return word;
  const slash = word.indexOf("/");
  if (slash > 0) {
    const bits = netmaskBits(word.slice(slash + 1));
    const cidr = bits === undefined ? undefined : `${word.slice(0, slash)}/${bits}`;
    return cidr && parseCidr(cidr) ? cidr : undefined;
  }
  return HOST_NAME.test(word) && !/^[\d.]+$/.test(word) ? word : undefined;
}
