/**
 * How the CLI ends, without commander (the lean `regex` path loads no commander): the exit code of an
 * error that is not commander's, and a quiet end when the reader closes the pipe.
 */
import { ConfigError, UsageError } from "../core/errors.js";

/** 2 for a usage or config error, else 1 (commander's own errors: see exitCodeFor in main.ts). */
export function exitCodeForError(err: unknown): number {
  return err instanceof ConfigError || err instanceof UsageError ? 2 : 1;
}

/**
 * `mamori logs filter G | head`: when the reader closes the pipe, stop as the shell's own tools do
 * (they die of SIGPIPE) instead of printing an unhandled EPIPE stack trace.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
      process.exit(process.exitCode ?? 0);
    });
  }
}
