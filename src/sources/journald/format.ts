/**
 * One `journalctl -o json` entry → a log event. The message is written the way a syslog file has it,
 * `Nov 25 08:21:45 HOST IDENT[PID]: MESSAGE`, which is what fail2ban's systemd backend builds
 * (filtersystemd.py formatJournalEntry: host, identifier or command, pid, "kernel: [monotonic]"), so
 * fail2ban filters and syslog-shaped metric filters match journal entries unchanged.
 */

/** A parsed JSON entry: values are strings, byte arrays (binary/invalid UTF-8), arrays (repeated) or null. */
export type JournalEntry = Record<string, unknown>;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A field as text: a byte array is decoded as UTF-8; repeated values are joined by a space. */
export function fieldText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  if (!Array.isArray(v) || v.length === 0) return undefined;
  if (typeof v[0] === "number") return Buffer.from(v as number[]).toString("utf8");
  const parts = v.map(fieldText).filter((s): s is string => s !== undefined);
  return parts.length > 0 ? parts.join(" ") : undefined;
}

/** "Nov 25 08:21:45" in local time, day space-padded (as rsyslog writes it). */
export function syslogDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => (n < 10 ? `0${n}` : String(n));
  const day = d.getDate();
  return `${MONTHS[d.getMonth()]} ${day < 10 ? ` ${day}` : day} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** __REALTIME_TIMESTAMP (µs since epoch, a decimal string) → ms, or undefined. */
export function realtimeMs(entry: JournalEntry): number | undefined {
  const us = fieldText(entry.__REALTIME_TIMESTAMP);
  if (us === undefined || !/^\d{1,20}$/.test(us)) return undefined;
  return Math.floor(Number(us) / 1000);
}

/** The syslog-shaped line for an entry whose time is `ms`. */
export function syslogLine(entry: JournalEntry, ms: number): string {
  const parts = [syslogDate(ms)];
  const host = fieldText(entry._HOSTNAME);
  if (host) parts.push(host);
  const ident = fieldText(entry.SYSLOG_IDENTIFIER) || fieldText(entry._COMM);
  if (ident) {
    const pid = fieldText(entry.SYSLOG_PID) || fieldText(entry._PID);
    parts.push(`${ident}${pid ? `[${pid}]` : ""}:`);
    if (ident === "kernel" && !pid) {
      const mono = fieldText(entry._SOURCE_MONOTONIC_TIMESTAMP) ?? fieldText(entry.__MONOTONIC_TIMESTAMP);
      if (mono !== undefined && /^\d+$/.test(mono))
        parts.push(`[${(Number(mono) / 1e6).toFixed(6).padStart(12)}]`);
    }
  }
  parts.push(fieldText(entry.MESSAGE) ?? "");
  return parts.join(" ");
}

/** The unit, else the syslog identifier, else the command: what `journalctl -u` users think of. */
export function entryStream(entry: JournalEntry): string {
  return (
    fieldText(entry._SYSTEMD_UNIT) ||
    fieldText(entry.SYSLOG_IDENTIFIER) ||
    fieldText(entry._COMM) ||
    "journal"
  );
}
