/**
 * File descriptors are one pool for the whole process: if connections take them all, the next ban
 * cannot spawn its firewall command (EMFILE) and the daemon fails open. The listeners together may hold
 * at most half of RLIMIT_NOFILE; the other half stays in reserve for the store, the files being read and
 * the actions.
 */
import { readFileSync } from "node:fs";

/** used when the limit cannot be read (not Linux) */
const ASSUMED_LIMIT = 1024;

/** The soft RLIMIT_NOFILE of this process, from /proc/self/limits; undefined when it cannot be read. */
export function readOpenFileLimit(limitsFile = "/proc/self/limits"): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(limitsFile, "utf8"));
    if (!m) return undefined;
    return m[1] === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return undefined;
  }
}

export class FdBudget {
  /** connections all listeners together may hold */
  readonly capacity: number;
  private used = 0;

  constructor(readonly openFileLimit: number | undefined) {
    this.capacity = Math.max(16, Math.floor((openFileLimit ?? ASSUMED_LIMIT) / 2));
  }

  get inUse(): number {
    return this.used;
  }

  /** Takes one descriptor for a connection; false when the listeners' share is used up. */
  take(): boolean {
    if (this.used >= this.capacity) return false;
    this.used++;
    return true;
  }

  give(): void {
    if (this.used > 0) this.used--;
  }
}

/** The process's one budget, shared by every listener. */
export const listenerFdBudget = new FdBudget(readOpenFileLimit());

/** The limit and the listeners' share, for the "listening" log line of each listener. */
export function fdFigures(budget: FdBudget): Record<string, number | string> {
  return { openFileLimit: budget.openFileLimit ?? "unknown", listenerFdBudget: budget.capacity };
}
