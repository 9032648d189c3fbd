/**
 * `type: command`: runs a program (argv, never a shell) and stores each line it prints on stdout as an
 * event (time: the line's own when one is detected, else now); its stderr lines go to mamori's log.
 * When the program exits it is started again with backoff (1 s doubling to 60 s; back to 1 s after it
 * ran for a minute).
 *
 * No checkpoint: a program's output cannot be asked for again, and a restarted program prints from
 * its own start. Delivery is at-most-once: lines in a batch the store could not take are lost and
 * counted (lost_in_store); nothing is stored twice by mamori. A program that prints old lines again
 * when it starts (`tail -n 10 -F`) makes duplicates itself: prefer `tail -n 0 -F`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { killChild } from "../../core/child.js";
import { errorMessage } from "../../core/errors.js";
import { MAX_MESSAGE_BYTES } from "../../core/event.js";
import { type TimestampParser, timestampParser } from "../../core/timestamp.js";
import { EventBatcher } from "../shared/batcher.js";
import { expandStream } from "../shared/stream-template.js";
import type { Source, SourceContext, SourceStats } from "../types.js";
import type { CommandSourceConfig } from "./config.js";

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;
/** after SIGTERM on stop, SIGKILL if the program has not exited */
const KILL_AFTER_MS = 5_000;
const STDERR_LINE_CHARS = 2_048;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: string;
}

export class CommandSource implements Source {
  private readonly counters = {
    starts: 0,
    exits: 0,
    lines: 0,
    lines_cut: 0,
    stderr_lines: 0,
    lost_in_store: 0,
  };
  private readonly batcher: EventBatcher;
  private readonly parseTime: TimestampParser = timestampParser(undefined, "local");
  private readonly stream: string;

  constructor(
    private readonly config: CommandSourceConfig,
    private readonly ctx: SourceContext,
  ) {
    this.stream = expandStream(config.stream, ctx);
    this.batcher = new EventBatcher({
      emit: (b) => ctx.emit(b),
      onError: (err, n) => {
        this.counters.lost_in_store += n;
        ctx.log.error(
          { err: errorMessage(err) },
          "could not store %d lines of the command; they are lost",
          n,
        );
      },
    });
  }

  stats(): SourceStats {
    return { ...this.counters };
  }

  async run(signal: AbortSignal): Promise<void> {
    let backoff = FIRST_BACKOFF_MS;
    while (!signal.aborted) {
      const startedAt = this.ctx.clock.now();
      const exit = await this.runOnce(signal);
      if (signal.aborted) break;
      this.counters.exits++;
      if (this.ctx.clock.now() - startedAt >= MAX_BACKOFF_MS) backoff = FIRST_BACKOFF_MS;
      this.ctx.log.warn(
        { command: this.config.command, ...exit, retryInMs: backoff },
        "the command exited; starting it again",
      );
      try {
        await this.ctx.clock.sleep(backoff, signal);
      } catch {
        break;
      }
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
    await this.batcher.idle();
  }

  /** Runs the program once; resolves when it has exited and its output is read (or it could not start). */
  private runOnce(signal: AbortSignal): Promise<Exit> {
    return new Promise((resolve) => {
      const [program, ...args] = this.config.command;
      let child: ChildProcess;
      try {
        child = spawn(program, args, {
          cwd: this.config.cwd,
          env: this.environment(),
          stdio: ["ignore", "pipe", "pipe"],
        });
      } catch (err) {
        resolve({ code: null, signal: null, error: errorMessage(err) }); // EMFILE and the like
        return;
      }
      this.counters.starts++;
      let error: string | undefined;
      const stop = this.stopOnAbort(child, signal);
      child.once("error", (err) => {
        error = errorMessage(err);
        // no process was made (EMFILE, ENOENT): no 'close' follows; back off and try again
        if (child.pid === undefined) {
          stop();
          resolve({ code: null, signal: null, error });
        }
      });
      if (child.stdout) this.readLines(child, child.stdout, (line, cutShort) => this.accept(line, cutShort));
      if (child.stderr) this.readLines(child, child.stderr, (line) => this.logStderr(line));
      child.once("close", (code, sig) => {
        stop();
        resolve({ code, signal: sig, ...(error ? { error } : {}) });
      });
    });
  }

  /** SIGTERM when the source stops, SIGKILL if that is not enough; returns the clean-up. */
  private stopOnAbort(child: ChildProcess, signal: AbortSignal): () => void {
    let killer: { cancel(): void } | undefined;
    const onAbort = () => {
      killChild(child, "SIGTERM");
      killer = this.ctx.clock.setTimeout(() => killChild(child, "SIGKILL"), KILL_AFTER_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    return () => {
      signal.removeEventListener("abort", onAbort);
      killer?.cancel();
    };
  }

  /** The program sees PATH, LANG and HOME of mamori's environment, and the configured `env`. */
  private environment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const k of ["PATH", "LANG", "HOME"]) if (process.env[k] !== undefined) env[k] = process.env[k];
    return { ...env, ...this.config.env };
  }

  /**
   * Splits a stream into lines (a last line without newline counts when the stream ends). A line
   * longer than 256 KiB is cut there: only its head is kept in memory.
   */
  private readLines(
    child: ChildProcess,
    stream: NodeJS.ReadableStream,
    onLine: (line: string, cutShort: boolean) => void,
  ): void {
    let carry = "";
    let carryCut = false;
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = (carry + chunk).split("\n");
      carry = lines.pop() as string;
      for (const [i, line] of lines.entries()) {
        onLine(line.endsWith("\r") ? line.slice(0, -1) : line, i === 0 && carryCut);
        if (i === 0) carryCut = false;
      }
      if (carry.length > MAX_MESSAGE_BYTES) {
        carry = carry.slice(0, MAX_MESSAGE_BYTES);
        carryCut = true;
      }
      if (stream === child.stdout && this.batcher.full && !stream.isPaused()) {
        // backpressure: the program blocks on a full pipe until the store has caught up
        stream.pause();
        this.batcher.onceDrained(() => stream.resume());
      }
    });
    stream.on("end", () => {
      if (carry.length > 0) onLine(carry, carryCut);
    });
  }

  private accept(raw: string, cutShort: boolean): void {
    const line = cut(raw);
    if (cutShort || line !== raw) this.counters.lines_cut++;
    this.counters.lines++;
    const now = this.ctx.clock.now();
    const event = {
      group: this.config.group,
      stream: this.stream,
      timestamp: this.parseTime(line, now) ?? now,
      ingestTime: now,
      message: line,
    };
    this.batcher.add(event, true);
  }

  private logStderr(line: string): void {
    this.counters.stderr_lines++;
    this.ctx.log.warn(
      { command: this.config.command[0], stderr: line.slice(0, STDERR_LINE_CHARS) },
      "command stderr",
    );
  }
}

/** A line over 256 KiB (UTF-8) is cut there, on a character boundary. */
function cut(line: string): string {
  if (line.length * 3 <= MAX_MESSAGE_BYTES || Buffer.byteLength(line) <= MAX_MESSAGE_BYTES) return line;
  const bytes = Buffer.from(line);
  let end = MAX_MESSAGE_BYTES;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // not inside a multi-byte character
  return bytes.toString("utf8", 0, end);
}
