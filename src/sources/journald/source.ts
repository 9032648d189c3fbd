/**
 * The journald source: runs `journalctl --output=json --follow` (argv, never a shell) and turns each
 * entry into an event (format.ts). The cursor of the last entry of each batch is the checkpoint, stored
 * with the batch; a restart passes `--after-cursor=` so nothing is lost or stored twice. Without a saved
 * cursor, start_position decides: only new entries (`--lines=0`) or the whole journal (`--no-tail`).
 * If journalctl dies it is started again with backoff; if it is missing, or there is no journal to read,
 * run() fails with a message saying what to do (the daemon reports it and retries).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { killChild } from "../../core/child.js";
import { errorMessage } from "../../core/errors.js";
import type { LogEvent } from "../../core/event.js";
import { expandStream } from "../shared/stream-template.js";
import type { Source, SourceContext, SourceStats } from "../types.js";
import type { JournaldSourceConfig } from "./config.js";
import { entryStream, fieldText, type JournalEntry, realtimeMs, syslogLine } from "./format.js";

export const CURSOR_KEY = "cursor";
const SYSTEM_JOURNAL_DIRS = ["/run/log/journal", "/var/log/journal"];
const MAX_BACKOFF_MS = 30_000;
/** journalctl exiting this many times in a row without printing an entry is a failure of the source */
const MAX_SILENT_EXITS = 3;
const STDERR_KEPT = 2048;

/** What went wrong in a way that retrying journalctl at once will not fix. */
export class JournalUnavailableError extends Error {}

/** journalctl's arguments: JSON, follow, where to start, the directory and the matches. */
export function journalctlArgs(config: JournaldSourceConfig, cursor: string | undefined): string[] {
  const args = ["--output=json", "--follow", "--all", "--no-pager"];
  if (config.directory) args.push(`--directory=${config.directory}`);
  if (cursor) args.push(`--after-cursor=${cursor}`);
  else args.push(config.start_position === "start_of_file" ? "--no-tail" : "--lines=0");
  args.push(...config.matches);
  return args;
}

interface RunResult {
  entries: number;
  code: number | null;
  stderr: string;
}

export class JournaldSource implements Source {
  private readonly counters = { entries: 0, malformed: 0, restarts: 0, batches: 0 };
  private cursor: string | undefined;
  private child: ChildProcess | undefined;

  constructor(
    private readonly config: JournaldSourceConfig,
    private readonly ctx: SourceContext,
  ) {}

  stats(): SourceStats {
    return { ...this.counters };
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.checkJournalExists();
    this.cursor = await this.ctx.logs.getCheckpoint(this.ctx.id, CURSOR_KEY);
    let backoff = 1000;
    let silentExits = 0;
    const onAbort = () => killChild(this.child, "SIGTERM");
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal.aborted) {
        const r = await this.follow(signal);
        if (signal.aborted) break;
        const why = `journalctl exited (code ${r.code})${r.stderr ? `: ${r.stderr.trim()}` : ""}`;
        if (r.entries > 0) {
          backoff = 1000;
          silentExits = 0;
        } else if (++silentExits >= MAX_SILENT_EXITS) {
          throw new JournalUnavailableError(
            `${why}; it keeps exiting without output — check the matches and that mamori may read the journal (root or the systemd-journal group)`,
          );
        }
        this.counters.restarts++;
        this.ctx.log.warn({ retryInMs: backoff }, "%s; starting it again", why);
        try {
          await this.ctx.clock.sleep(backoff, signal);
        } catch {
          break;
        }
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      killChild(this.child, "SIGTERM");
    }
  }

  /** No journal files → a clear error instead of a journalctl that waits forever for nothing. */
  private async checkJournalExists(): Promise<void> {
    const dirs = this.config.directory ? [this.config.directory] : SYSTEM_JOURNAL_DIRS;
    let denied: string | undefined;
    for (const dir of dirs) {
      const found = await hasJournalFiles(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "EACCES" || err.code === "EPERM") denied = dir;
        return false;
      });
      if (found) return;
    }
    if (denied)
      throw new JournalUnavailableError(
        `cannot read the systemd journal in ${denied} (permission denied): run mamori as root or add its user to the systemd-journal group`,
      );
    throw new JournalUnavailableError(
      `no systemd journal found in ${dirs.join(" or ")}: this host does not run journald (or keeps no journal); read the log files with a \`type: file\` source instead, or set \`directory:\` to a journal directory`,
    );
  }

  /** Runs journalctl once, until it exits or the source stops; emits its entries as they come. */
  private follow(signal: AbortSignal): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const args = journalctlArgs(this.config, this.cursor);
      this.ctx.log.debug({ cmd: this.config.journalctl, args }, "starting journalctl");
      const child = spawn(this.config.journalctl, args, { stdio: ["ignore", "pipe", "pipe"] });
      this.child = child;
      let stderr = "";
      child.stderr?.setEncoding("utf8").on("data", (d: string) => {
        stderr = (stderr + d).slice(-STDERR_KEPT);
      });
      let spawnError: Error | undefined;
      child.once("error", (err: NodeJS.ErrnoException) => {
        spawnError =
          err.code === "ENOENT" || err.code === "EACCES"
            ? new JournalUnavailableError(
                `cannot run journalctl ("${this.config.journalctl}": ${err.code}): install systemd's journalctl, set the source's \`journalctl:\` to its path, or read log files with a \`type: file\` source`,
              )
            : err;
      });
      const exited = new Promise<number | null>((r) => child.once("close", (code) => r(code)));
      this.readEntries(child, signal)
        .then(async (entries) => {
          const code = await exited;
          if (spawnError) reject(spawnError);
          else resolve({ entries, code, stderr });
        })
        .catch((err) => {
          killChild(child, "SIGKILL");
          reject(err);
        });
    });
  }

  /** Splits stdout into JSON lines; one emit per chunk read, carrying the last entry's cursor. */
  private async readEntries(child: ChildProcess, signal: AbortSignal): Promise<number> {
    let carry = "";
    let entries = 0;
    const stdout = child.stdout;
    if (!stdout) return 0;
    stdout.setEncoding("utf8");
    for await (const chunk of stdout as AsyncIterable<string>) {
      const text = carry + chunk;
      const last = text.lastIndexOf("\n");
      if (last < 0) {
        carry = text;
        continue;
      }
      carry = text.slice(last + 1);
      const events = this.toEvents(text.slice(0, last));
      entries += events.length;
      if (events.length > 0) {
        this.counters.batches++;
        await this.ctx.emit({
          events,
          checkpoints: this.cursor ? [{ source: this.ctx.id, key: CURSOR_KEY, value: this.cursor }] : [],
        });
      }
      if (signal.aborted) break;
    }
    return entries;
  }

  private toEvents(lines: string): LogEvent[] {
    const events: LogEvent[] = [];
    const now = this.ctx.clock.now();
    for (const line of lines.split("\n")) {
      if (line.length === 0) continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
        if (entry === null || typeof entry !== "object") throw new Error("not an object");
      } catch (err) {
        this.counters.malformed++;
        this.ctx.log.debug({ err: errorMessage(err) }, "journalctl printed a line that is not a JSON entry");
        continue;
      }
      const ts = realtimeMs(entry) ?? now;
      events.push({
        group: this.config.group,
        stream: this.config.stream ? expandStream(this.config.stream, this.ctx) : entryStream(entry),
        timestamp: ts,
        ingestTime: now,
        message: syslogLine(entry, ts),
      });
      this.counters.entries++;
      const cursor = fieldText(entry.__CURSOR);
      if (cursor) this.cursor = cursor;
    }
    return events;
  }
}

/** True when dir (or a machine-id directory in it) holds *.journal files. */
async function hasJournalFiles(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return [];
    throw err;
  });
  for (const e of entries) {
    if (e.isFile() && e.name.endsWith(".journal")) return true;
    if (e.isDirectory() && (await hasJournalFiles(path.join(dir, e.name)))) return true;
  }
  return false;
}
