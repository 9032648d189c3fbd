/**
 * Readable log lines for people at a terminal: `15:04:05.123 INFO  message  key=value …` from pino's
 * JSON records. Pure (no I/O): the logger (logger.ts) applies it in-process, line by line, so nothing is
 * lost at exit the way a worker-thread transport can lose it. Log messages carry text from the outside
 * (user names, log lines), so control characters are escaped: a line can never rewrite the terminal.
 */
import { UsageError } from "./errors.js";

export type LogFormat = "json" | "pretty";
export const LOG_FORMATS: readonly LogFormat[] = ["json", "pretty"];

export interface PrettyOptions {
  /** ANSI colours for the level (only when writing to a terminal that wants them) */
  color?: boolean;
  /** show times in UTC instead of local time (tests) */
  utc?: boolean;
}

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: "TRACE", color: "\x1b[90m" },
  20: { name: "DEBUG", color: "\x1b[90m" },
  30: { name: "INFO", color: "\x1b[32m" },
  40: { name: "WARN", color: "\x1b[33m" },
  50: { name: "ERROR", color: "\x1b[31m" },
  60: { name: "FATAL", color: "\x1b[41m" },
};
const RESET = "\x1b[0m";
const DIM = "\x1b[2m";

/** pino's own fields: shown in their place (time, level, message) or not at all (pid, hostname, name) */
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname", "name", "v"]);

const NAMED_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e" };

// C0 and C1 controls, DEL, line/paragraph separators and the bidi overrides that reorder what is shown
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Makes text safe to print on a terminal: every control character becomes a visible escape. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED_ESCAPES[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

function two(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function clockTime(ms: number, utc: boolean): string {
  const d = new Date(ms);
  const [h, m, s] = utc
    ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getHours(), d.getMinutes(), d.getSeconds()];
  return `${two(h)}:${two(m)}:${two(s)}.${two(d.getUTCMilliseconds(), 3)}`;
}

function fieldValue(value: unknown): string {
  if (typeof value === "string") {
    const safe = escapeControl(value);
    return safe === "" || /[\s"=]/.test(safe) ? JSON.stringify(safe) : safe;
  }
  if (value instanceof Object && "message" in value && typeof value.message === "string")
    return fieldValue(value.message); // a serialized Error: its message (the stack is in the JSON format)
  return escapeControl(JSON.stringify(value) ?? String(value));
}

/** One pino record (parsed) → one readable line, newline included. */
export function formatRecord(record: Record<string, unknown>, opts: PrettyOptions = {}): string {
  const level = LEVELS[Number(record.level)] ?? { name: String(record.level), color: "" };
  const time = typeof record.time === "number" ? clockTime(record.time, opts.utc ?? false) : "--:--:--.---";
  const name = level.name.padEnd(5);
  const shownLevel = opts.color ? `${level.color}${name}${RESET}` : name;
  const fields = Object.entries(record)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined)
    .map(([k, v]) => {
      const pair = `${escapeControl(k)}=${fieldValue(v)}`;
      return opts.color ? `${DIM}${pair}${RESET}` : pair;
    });
  const msg = escapeControl(typeof record.msg === "string" ? record.msg : "");
  return `${[`${time} ${shownLevel} ${msg}`, ...fields].join("  ")}\n`;
}

/** A pino JSON line → a readable line; a line that is not JSON is shown escaped, never dropped. */
export function formatLine(line: string, opts: PrettyOptions = {}): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return `${escapeControl(line.replace(/\n$/, ""))}\n`;
  }
  if (record === null || typeof record !== "object") return `${escapeControl(line.replace(/\n$/, ""))}\n`;
  return formatRecord(record as Record<string, unknown>, opts);
}

/** `--log-format`, else MAMORI_LOG_FORMAT, else pretty at a terminal and JSON for services and pipes. */
export function chooseLogFormat(
  flag: string | undefined,
  env: string | undefined,
  isTTY: boolean,
): LogFormat {
  const wanted = flag ?? (env === "" ? undefined : env);
  if (wanted === undefined) return isTTY ? "pretty" : "json";
  if (wanted === "json" || wanted === "pretty") return wanted;
  throw new UsageError(
    `log format "${wanted}" ${flag === undefined ? "(from MAMORI_LOG_FORMAT) " : ""}is not one of: json, pretty`,
  );
}
