/**
 * Watches the free space of the data directory on the injected clock and warns before the disk fills:
 * a full disk makes the store refuse commits (the pipeline then counts events as lost, and keeps the
 * jails evaluating — see src/pipeline/pipeline.ts), so the warning comes while there is still time.
 */
import fs from "node:fs";
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";

export interface DiskSpace {
  /** bytes an unprivileged writer may still use */
  free: number;
  total: number;
}

export type DiskSpaceReader = (dir: string) => DiskSpace;

export const statfsReader: DiskSpaceReader = (dir) => {
  const s = fs.statfsSync(dir);
  return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
};

const GIB = 1024 ** 3;
export const CHECK_EVERY_MS = 60_000;
/** while space stays low, the warning is repeated this often */
export const REPEAT_WARNING_MS = 3_600_000;

/** Low means under 10% of the filesystem, or under 1 GiB on a filesystem larger than 10 GiB. */
export function lowSpaceThreshold(total: number): number {
  return Math.min(total * 0.1, GIB);
}

export interface DiskSpaceWatchOptions {
  dir: string;
  clock: Clock;
  log: Logger;
  read?: DiskSpaceReader;
  everyMs?: number;
}

export class DiskSpaceWatch {
  private timer?: TimerHandle;
  private warnedAt?: number;
  /** the last reading, for stats */
  last?: DiskSpace & { low: boolean };

  constructor(private readonly o: DiskSpaceWatchOptions) {}

  start(): void {
    this.check();
    this.timer = this.o.clock.setInterval(() => this.check(), this.o.everyMs ?? CHECK_EVERY_MS);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Reads the free space once; warns when it is low (again every REPEAT_WARNING_MS while it stays low). */
  check(): void {
    let space: DiskSpace;
    try {
      space = (this.o.read ?? statfsReader)(this.o.dir);
    } catch (err) {
      this.o.log.warn(
        { err: errorMessage(err), dir: this.o.dir },
        "could not read the free space of the data directory",
      );
      return;
    }
    const low = space.free < lowSpaceThreshold(space.total);
    this.last = { ...space, low };
    const now = this.o.clock.now();
    if (!low) {
      if (this.warnedAt !== undefined)
        this.o.log.info(
          { dir: this.o.dir, freeBytes: space.free },
          "free space of the data directory is back",
        );
      this.warnedAt = undefined;
      return;
    }
    if (this.warnedAt !== undefined && now - this.warnedAt < REPEAT_WARNING_MS) return;
    this.warnedAt = now;
    this.o.log.warn(
      { dir: this.o.dir, freeBytes: space.free, totalBytes: space.total },
      "the data directory's disk is almost full (%d MiB free of %d MiB): when it fills, events can no longer be stored (jails keep banning; events are counted as lost). Free space, or lower retention_days",
      Math.floor(space.free / 1024 ** 2),
      Math.floor(space.total / 1024 ** 2),
    );
  }
}
