/**
 * When the file source looks again: on an inotify event in a watched directory (fs.watch), or after the
 * poll interval on the Clock, whichever comes first. inotify only makes it sooner; the poll alone is
 * enough (no inotify, a full watch table, a network file system).
 */
import { type FSWatcher, watch } from "node:fs";
import type { Clock } from "../../core/clock.js";

export class Waker {
  /** an entry was created, renamed or deleted in a watched directory: scan the globs again */
  rescanRequested = true;
  /** 1 while waiting (tests step the clock only then) */
  waiting = 0;
  watchErrors = 0;
  private readonly watchers = new Map<string, FSWatcher>();
  private woken = false;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly useInotify: boolean,
  ) {}

  /** Resolves on an inotify event (also one that came while the caller was busy), after ms, or on abort. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    this.waiting = 1;
    return new Promise((resolve) => {
      const done = () => {
        timer.cancel();
        signal.removeEventListener("abort", done);
        this.wakeUp = undefined;
        this.woken = false;
        this.waiting = 0;
        resolve();
      };
      const timer = this.clock.setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.wakeUp = done;
    });
  }

  /** Watches exactly these directories (missing ones are skipped: the poll covers them). */
  watchDirectories(dirs: ReadonlySet<string>): void {
    if (!this.useInotify) return;
    for (const [dir, w] of this.watchers) {
      if (!dirs.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        // not persistent: the daemon decides how long the process lives, not a watch
        const w = watch(dir, { persistent: false }, (event) => this.wake(event === "rename"));
        w.on("error", () => {
          this.watchErrors++;
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch {
        this.watchErrors++; // missing directory or no inotify watches left
      }
    }
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private wake(rescan: boolean): void {
    if (rescan) this.rescanRequested = true;
    this.woken = true;
    this.wakeUp?.();
  }
}
