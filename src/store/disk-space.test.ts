/** The data directory's free space is checked on the clock; low space is a warning before the disk fills. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import { configSchema } from "../config/schema.js";
import { ManualClock } from "../core/clock.js";
import { Daemon } from "../daemon.js";
import { CHECK_EVERY_MS, type DiskSpace, lowSpaceThreshold, REPEAT_WARNING_MS } from "./disk-space.js";
import { openSqliteStore } from "./sqlite/index.js";

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

function capture() {
  const lines: { level: number; msg: string; freeBytes?: number }[] = [];
  const log = pino({ level: "info" }, {
    write: (s: string) => void lines.push(JSON.parse(s)),
  } as unknown as pino.DestinationStream);
  const warnings = () => lines.filter((l) => l.level === 40 && /almost full/.test(l.msg));
  return { log, lines, warnings };
}

describe("disk space watch", () => {
  it("calls space low under 10% of the filesystem, or under 1 GiB on big ones", () => {
    const table = [
      { total: 2 * MIB, threshold: 0.2 * MIB },
      { total: 5 * GIB, threshold: 0.5 * GIB },
      { total: 10 * GIB, threshold: GIB },
      { total: 2000 * GIB, threshold: GIB },
    ];
    for (const { total, threshold } of table) assert.equal(lowSpaceThreshold(total), threshold, `${total}`);
  });

  it("warns in the daemon when free space runs low, repeats hourly while low, and says when it is back", async () => {
    const { log, lines, warnings } = capture();
    const clock = new ManualClock(1_000_000);
    let space: DiskSpace = { free: 50 * GIB, total: 100 * GIB };
    const dirs: string[] = [];
    const daemon = new Daemon({
      config: configSchema.parse({ data_dir: "/srv/mamori-data" }),
      clock,
      log,
      store: openSqliteStore(":memory:"),
      diskSpace: (dir) => {
        dirs.push(dir);
        return space;
      },
    });
    await daemon.start();
    try {
      assert.deepEqual(dirs, ["/srv/mamori-data"], "checked once at start");
      assert.equal(warnings().length, 0);

      space = { free: 900 * MIB, total: 100 * GIB };
      clock.advance(CHECK_EVERY_MS);
      assert.equal(dirs.length, 2);
      assert.deepEqual(
        warnings().map((w) => w.freeBytes),
        [900 * MIB],
      );
      assert.match(warnings()[0].msg, /900 MiB free of 102400 MiB/);

      clock.advance(CHECK_EVERY_MS * 10);
      assert.equal(warnings().length, 1, "not repeated every minute");
      clock.advance(REPEAT_WARNING_MS);
      assert.equal(warnings().length, 2, "repeated after an hour while still low");

      space = { free: 20 * GIB, total: 100 * GIB };
      clock.advance(CHECK_EVERY_MS);
      assert.ok(lines.some((l) => /free space of the data directory is back/.test(l.msg)));
      const stats = daemon.stats() as { diskSpace: { free: number; low: boolean } };
      assert.deepEqual([stats.diskSpace.free, stats.diskSpace.low], [20 * GIB, false]);

      space = { free: 100 * MIB, total: 100 * GIB };
      clock.advance(CHECK_EVERY_MS);
      assert.equal(warnings().length, 3, "a new fall below the threshold warns at once");
    } finally {
      await daemon.stop();
    }
    const checks = dirs.length;
    clock.advance(CHECK_EVERY_MS * 5);
    assert.equal(dirs.length, checks, "no checks after stop");
  });
});
