/**
 * A full disk must not switch protection off: with the data directory on a real 2 MB tmpfs that is full,
 * the store refuses every commit, yet a brute force is still banned (the firewall action runs, the ban
 * is saved once there is space again) and the refused events are counted as lost. Needs root (mount).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { configSchema } from "../config/schema.js";
import { ManualClock } from "../core/clock.js";
import { Daemon } from "../daemon.js";
import { F2B_FILTER_D } from "../fail2ban/filter/corpus.js";
import { waitFor } from "../testing/wait.js";

const NOW = Date.UTC(2024, 10, 25, 8, 0, 30);
const SSHD_FAIL = (n: number) =>
  `Nov 25 08:00:0${n} host sshd[1]: Failed password for root from 203.0.113.7 port 4000${n} ssh2`;

/** a 2 MiB tmpfs is full long before this; past it the size limit is not enforced here */
const FILL_CAP = 16 * 1024 * 1024;

/** Writes until the filesystem refuses a single byte more. */
function fill(file: string): void {
  const fd = fs.openSync(file, "w");
  let written = 0;
  try {
    for (let chunk = 64 * 1024; chunk >= 1; chunk = Math.floor(chunk / 2)) {
      const buf = Buffer.alloc(chunk, 0x78);
      for (;;) {
        if (written > FILL_CAP)
          throw new Error(`the 2 MiB tmpfs took ${written} bytes: its size limit is not enforced`);
        try {
          written += fs.writeSync(fd, buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

describe("a full data disk", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fulldisk-"));
  const dataDir = path.join(root, "data");
  const hostsDeny = path.join(root, "hosts.deny");
  before(() => {
    fs.mkdirSync(dataDir);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", dataDir]);
  });
  after(() => {
    try {
      execFileSync("umount", [dataDir]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("still bans a brute force while every commit fails, counts the lost events, and saves the ban later", async () => {
    fs.writeFileSync(hostsDeny, "");
    const lines: { msg: string; lostEvents?: number }[] = [];
    const log = pino({ level: "info" }, {
      write: (s: string) => void lines.push(JSON.parse(s)),
    } as unknown as pino.DestinationStream);
    const clock = new ManualClock(NOW);
    const config = configSchema.parse({
      data_dir: dataDir,
      jails: [
        {
          name: "sshd",
          filter: "sshd",
          group: "auth",
          maxretry: 3,
          action: "hosts-deny",
          hosts_deny: hostsDeny,
          ignoreself: false,
        },
      ],
      filter_dirs: [F2B_FILTER_D],
    });
    const daemon = new Daemon({ config, clock, log });
    await daemon.start();
    try {
      fill(path.join(dataDir, "filler"));
      const noise = { group: "auth", stream: "host", timestamp: NOW, ingestTime: NOW, message: "" };
      for (let n = 1; n <= 3; n++) {
        const events = [
          // a big line beside the failure, so the commit needs new pages on the full disk
          { ...noise, message: `noise ${n} ${"z".repeat(100_000)}` },
          { ...noise, message: SSHD_FAIL(n) },
        ];
        await assert.rejects(daemon.ingest({ events, checkpoints: [] }), /full|SQLITE_FULL|disk/i);
      }
      await waitFor("the ban in hosts.deny", () =>
        fs.readFileSync(hostsDeny, "utf8").includes("203.0.113.7"),
      );
      assert.match(fs.readFileSync(hostsDeny, "utf8"), /sshd: 203\.0\.113\.7/);
      const stats = daemon.stats() as { pipeline: { lostEvents: number; committedEvents: number } };
      // the 6 lines, and the ban's own event in mamori/bans: the full disk refuses it too (counted, logged)
      assert.equal(stats.pipeline.lostEvents, 7);
      assert.ok(lines.some((l) => /could not commit a batch of 2 events .*LOST/.test(l.msg)));

      // space again: the ban reaches the store on the next poll; ingest works again
      fs.rmSync(path.join(dataDir, "filler"));
      clock.advance(2_000);
      await waitFor("the ban in the store", async () => (await daemon.store.bans.active("sshd")).length > 0);
      assert.deepEqual(
        (await daemon.store.bans.active("sshd")).map((b) => b.ip),
        ["203.0.113.7"],
      );
      await daemon.ingest({ events: [{ ...noise, message: "after" }], checkpoints: [] });
    } finally {
      await daemon.stop();
    }
  });
});
