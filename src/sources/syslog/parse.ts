/**
 * Syslog message parsing: RFC 5424 ("<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG") and RFC 3164
 * ("<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG", as rsyslog and most devices send it). A frame that is
 * neither returns undefined: the caller keeps it as raw text and counts it as malformed.
 */

export interface SyslogMessage {
  format: "rfc3164" | "rfc5424";
  /** the PRI value (facility * 8 + severity) */
  pri: number;
  facility: number;
  severity: number;
  /** ms since epoch; undefined when the message carries none (5424's "-") */
  timestamp?: number;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  /** the frame without its "<PRI>" prefix: what rsyslog would write to a log file */
  line: string;
}

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

const PRI_RE = /^<(\d{1,3})>/;
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
/** "Nov 25 08:00:00" or "Nov  5 08:00:00", optionally followed by a year ("Nov 25 2023 08:00:00" is rarer). */
const BSD_TS_RE = /^([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? /;
const ONE_DAY_MS = 86_400_000;

/**
 * Parses one frame. `now` (ms) resolves RFC 3164's year-less timestamps: the receiver's local year,
 * or the year before when that would put the message more than a day in the future (a December message
 * read in January).
 */
export function parseSyslog(frame: string, now: number): SyslogMessage | undefined {
  const m = PRI_RE.exec(frame);
  if (!m) return undefined;
  const pri = Number(m[1]);
  if (pri > 191 || (m[1].length > 1 && m[1][0] === "0")) return undefined;
  const rest = frame.slice(m[0].length);
  const head = { pri, facility: pri >> 3, severity: pri & 7, line: rest };
  if (rest.startsWith("1 ")) {
    const parsed = parse5424(rest.slice(2));
    return parsed ? { format: "rfc5424", ...head, ...parsed } : undefined;
  }
  const parsed = parse3164(rest, now);
  return parsed ? { format: "rfc3164", ...head, ...parsed } : undefined;
}

type Parsed = Pick<SyslogMessage, "timestamp" | "hostname" | "appName" | "procId" | "msgId">;

const nil = (v: string): string | undefined => (v === "-" ? undefined : v);

function parse5424(s: string): Parsed | undefined {
  const fields: string[] = [];
  let pos = 0;
  for (let i = 0; i < 5; i++) {
    const sp = s.indexOf(" ", pos);
    if (sp <= pos) return undefined;
    fields.push(s.slice(pos, sp));
    pos = sp + 1;
  }
  const [ts, hostname, appName, procId, msgId] = fields;
  let timestamp: number | undefined;
  if (ts !== "-") {
    if (!RFC3339_RE.test(ts)) return undefined;
    timestamp = Date.parse(ts);
    if (Number.isNaN(timestamp)) return undefined;
  }
  if (skipStructuredData(s, pos) < 0) return undefined;
  return {
    timestamp,
    hostname: nil(hostname),
    appName: nil(appName),
    procId: nil(procId),
    msgId: nil(msgId),
  };
}

/** Returns the index after STRUCTURED-DATA ("-" or one or more [id k="v"...] elements), or -1. */
function skipStructuredData(s: string, pos: number): number {
  if (s[pos] === "-") return pos + 1 === s.length || s[pos + 1] === " " ? pos + 1 : -1;
  if (s[pos] !== "[") return -1;
  while (s[pos] === "[") {
    let inQuote = false;
    pos++;
    for (; pos < s.length; pos++) {
      const c = s[pos];
      if (inQuote && c === "\\")
        pos++; // \" \\ \] inside a PARAM-VALUE
      else if (c === '"') inQuote = !inQuote;
      else if (c === "]" && !inQuote) break;
    }
    if (pos >= s.length) return -1;
    pos++;
  }
  return pos === s.length || s[pos] === " " ? pos : -1;
}

function parse3164(s: string, now: number): Parsed | undefined {
  let timestamp: number;
  let rest: string;
  const bsd = BSD_TS_RE.exec(s);
  if (bsd) {
    const month = MONTHS[bsd[1]];
    if (month === undefined) return undefined;
    timestamp = bsdTimestamp(month, Number(bsd[2]), Number(bsd[3]), Number(bsd[4]), Number(bsd[5]), now);
    if (Number.isNaN(timestamp)) return undefined;
    rest = s.slice(bsd[0].length);
  } else {
    // rsyslog's RSYSLOG_ForwardFormat: an RFC 3339 timestamp in an otherwise 3164 message
    const sp = s.indexOf(" ");
    if (sp < 0 || !RFC3339_RE.test(s.slice(0, sp))) return undefined;
    timestamp = Date.parse(s.slice(0, sp));
    rest = s.slice(sp + 1);
  }
  return { timestamp, ...hostAndTag(rest) };
}

function bsdTimestamp(month: number, day: number, h: number, min: number, sec: number, now: number): number {
  if (day < 1 || day > 31 || h > 23 || min > 59 || sec > 60) return Number.NaN;
  const year = new Date(now).getFullYear();
  const t = new Date(year, month, day, h, min, sec).getTime();
  return t > now + ONE_DAY_MS ? new Date(year - 1, month, day, h, min, sec).getTime() : t;
}

const TAG_RE = /^([^\s[\]:]{1,128})(?:\[([^\]\s]{1,128})\])?:/;

/**
 * "host tag[pid]: msg" → host, tag, pid. Local senders (logger via /dev/log, some devices) omit the
 * host: when the first word is already a tag ("sshd[12]:"), there is none.
 */
function hostAndTag(rest: string): Parsed {
  const sp = rest.indexOf(" ");
  const first = sp < 0 ? rest : rest.slice(0, sp);
  const asTag = TAG_RE.exec(rest);
  if (asTag && asTag[0].length >= first.length) return { appName: asTag[1], procId: asTag[2] };
  if (sp < 0) return first ? { hostname: first } : {};
  const tag = TAG_RE.exec(rest.slice(sp + 1));
  return { hostname: first, appName: tag?.[1], procId: tag?.[2] };
}
