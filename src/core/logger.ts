/** Structured logs (pino, JSON lines on stderr) so stdout stays free for command output. */
import pino, { type Logger } from "pino";

export function createLogger(level: string = process.env.MAMORI_LOG_LEVEL ?? "info"): Logger {
  return pino({ name: "mamori", level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
