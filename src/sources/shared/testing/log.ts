/** For tests that check what a part reports: a pino logger whose lines are kept as parsed objects. */
import pino, { type Logger } from "pino";

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface CapturedLog {
  log: Logger;
  lines: LogLine[];
  /** lines at warn level or above whose message contains `text` */
  warnings(text: string): LogLine[];
}

export function captureLog(): CapturedLog {
  const lines: LogLine[] = [];
  const log = pino({ level: "debug" }, { write: (s: string) => lines.push(JSON.parse(s) as LogLine) });
  return { log, lines, warnings: (text) => lines.filter((l) => l.level >= 40 && l.msg.includes(text)) };
}
