/**
 * Structured logs on stderr so stdout stays free for command output: pino JSON lines for services and
 * pipes, readable lines (log-format.ts) for people at a terminal. Both write synchronously in-process, so
 * the last lines before an exit are never lost.
 */
import pino, { type DestinationStream, type Logger } from "pino";
import { chooseLogFormat, formatLine, type LogFormat } from "./log-format.js";

export interface LoggerOptions {
  /** json or pretty; default: MAMORI_LOG_FORMAT, else pretty when stderr is a terminal, else json */
  format?: LogFormat;
}

export function createLogger(
  level: string = process.env.MAMORI_LOG_LEVEL ?? "info",
  opts: LoggerOptions = {},
): Logger {
  const sink = pino.destination({ fd: 2, sync: true });
  const format = chooseLogFormat(opts.format, process.env.MAMORI_LOG_FORMAT, process.stderr.isTTY === true);
  const destination: DestinationStream =
    format === "json"
      ? sink
      : { write: (line: string) => void sink.write(formatLine(line, { color: wantsColor() })) };
  return pino({ name: "mamori", level, base: { pid: process.pid } }, destination);
}

/** colour only on a terminal, and never when NO_COLOR is set (no-color.org) */
function wantsColor(): boolean {
  return process.stderr.isTTY === true && !process.env.NO_COLOR;
}
