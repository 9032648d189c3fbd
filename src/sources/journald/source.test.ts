/**
 * No systemd journal runs here (containers, CI), so these tests select a fake `journalctl` through the
 * config key `journalctl`: a small Node script, written by the test, that logs its argv, prints the JSON
 * entries of a fixture after --after-cursor (as `journalctl -o json` does) and then follows (stays alive),
 * or exits early when told to, to exercise the restart.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ManualClock } from "../../core/clock.js";
import { openSqliteStore, type SqliteStore } from "../../store/sqlite/index.js";
import { waitFor } from "../../testing/wait.js";
import { T0, tempDir } from "../file/testing/file-source.js";
import { testContext } from "../shared/testing/context.js";
import { journaldSourceSchema } from "./config.js";
import { journald } from "./index.js";
import { CURSOR_KEY, type JournaldSource, journalctlArgs } from "./source.js";
import { entry, writeFakeJournal } from "./testing/fake-journalctl.js";

process.env.TZ = "UTC"; // the syslog-shaped date is local time

async function setup(entries: object[], mode: Record<string, unknown> = {}) {
  const { dir, cleanup } = await tempDir();
  const fake = writeFakeJournal(dir, entries, mode);
  const argv = () =>
    readFileSync(path.join(dir, "argv.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as string[]);
  return { dir, fake, argv, cleanup };
}

function start(config: Record<string, unknown>, store?: SqliteStore) {
  const parsed = journaldSourceSchema.parse({ type: "journald", group: "journal", ...config });
  const clock = new ManualClock(T0 + 3_600_000);
  const t = testContext({ id: journald.defaultId(parsed), clock, store });
  const source = journald.create(parsed, t.ctx) as JournaldSource;
  const ac = new AbortController();
  const running = source.run(ac.signal);
  running.catch(() => {});
  return {
    t,
    clock,
    source,
    running,
    stored: async () => t.stored("journal"),
    stop: async () => {
      ac.abort();
      await running;
    },
  };
}

test("journalctl arguments: JSON, follow, start position or cursor, directory, matches", () => {
  const base = journaldSourceSchema.parse({
    type: "journald",
    group: "j",
    matches: ["_SYSTEMD_UNIT=ssh.service"],
  });
  assert.deepEqual(journalctlArgs(base, undefined), [
    "--output=json",
    "--follow",
    "--all",
    "--no-pager",
    "--lines=0",
    "_SYSTEMD_UNIT=ssh.service",
  ]);
  const all = journaldSourceSchema.parse({
    type: "journald",
    group: "j",
    start_position: "start_of_file",
    directory: "/j",
  });
  assert.deepEqual(journalctlArgs(all, undefined).slice(4), ["--directory=/j", "--no-tail"]);
  assert.deepEqual(journalctlArgs(all, "s=1;i=2").slice(4), ["--directory=/j", "--after-cursor=s=1;i=2"]);
});

test("entries become syslog-shaped events with the unit as stream; the cursor is saved and resumed", async () => {
  const f = await setup([
    entry(1),
    entry(2),
    entry(3, { _SYSTEMD_UNIT: undefined, SYSLOG_IDENTIFIER: "sudo" }),
  ]);
  const store = openSqliteStore(":memory:");
  try {
    const config = {
      journalctl: f.fake,
      directory: f.dir,
      start_position: "start_of_file",
      matches: ["_SYSTEMD_UNIT=ssh.service"],
    };
    const a = start(config, store);
    await waitFor("3 entries", async () => (await a.stored()).length === 3);
    const events = await a.stored();
    assert.deepEqual(
      events.map((e) => [e.stream, e.timestamp, e.message]),
      [
        [
          "ssh.service",
          T0 + 1000,
          "Nov 25 09:00:01 web-1 sshd[4001]: Failed password for root from 203.0.113.5 port 50001 ssh2",
        ],
        [
          "ssh.service",
          T0 + 2000,
          "Nov 25 09:00:02 web-1 sshd[4002]: Failed password for root from 203.0.113.5 port 50002 ssh2",
        ],
        [
          "sudo",
          T0 + 3000,
          "Nov 25 09:00:03 web-1 sudo[4003]: Failed password for root from 203.0.113.5 port 50003 ssh2",
        ],
      ],
    );
    assert.equal(
      await store.logs.getCheckpoint(
        journald.defaultId(journaldSourceSchema.parse({ type: "journald", group: "journal", ...config })),
        CURSOR_KEY,
      ),
      "s=abc;i=3",
    );
    await a.stop();
    // two more entries arrive while stopped: a restart reads only those
    writeFileSync(path.join(f.dir, "entries.json"), JSON.stringify([1, 2, 3, 4, 5].map((i) => entry(i))));
    const b = start(config, store);
    await waitFor("5 entries", async () => (await b.stored()).length === 5);
    await b.stop();
    assert.deepEqual(f.argv()[1].slice(4), [
      `--directory=${f.dir}`,
      "--after-cursor=s=abc;i=3",
      "_SYSTEMD_UNIT=ssh.service",
    ]);
    assert.deepEqual(
      (await b.stored()).map((e) => e.timestamp),
      [1, 2, 3, 4, 5].map((i) => T0 + i * 1000),
    );
  } finally {
    store.close();
    await f.cleanup();
  }
});

test("journalctl dies: restarted with backoff after the last cursor, nothing lost or twice; garbage is counted", async () => {
  const f = await setup(
    [1, 2, 3, 4, 5, 6].map((i) => entry(i)),
    { dieAfter: 2, garbage: true },
  );
  try {
    const s = start({ journalctl: f.fake, directory: f.dir, start_position: "start_of_file" });
    await waitFor("journalctl to exit", () => s.source.stats().restarts === 1);
    assert.equal((await s.stored()).length, 2);
    s.clock.advance(1000); // the backoff
    await waitFor("the rest after the restart", async () => (await s.stored()).length === 6);
    assert.deepEqual(
      (await s.stored()).map((e) => e.timestamp),
      [1, 2, 3, 4, 5, 6].map((i) => T0 + i * 1000),
    );
    assert.equal(f.argv()[1].at(-1), "--after-cursor=s=abc;i=2");
    assert.ok(s.source.stats().malformed >= 1);
    await s.stop();
  } finally {
    await f.cleanup();
  }
});

test("fails with a clear message: journalctl missing, no journal, journalctl that keeps exiting", async () => {
  const f = await setup([], { exitAlways: true });
  try {
    const missing = start({ journalctl: path.join(f.dir, "no-such-journalctl"), directory: f.dir });
    await assert.rejects(missing.running, /cannot run journalctl .*ENOENT.*type: file/);

    const empty = await tempDir();
    const noJournal = start({ journalctl: f.fake, directory: empty.dir });
    await assert.rejects(noJournal.running, /no systemd journal found in .*type: file/);
    await empty.cleanup();

    const exiting = start({ journalctl: f.fake, directory: f.dir });
    let settled = false;
    exiting.running.catch(() => {}).finally(() => (settled = true));
    while (!settled) {
      await waitFor("journalctl to exit", () => settled || exiting.clock.pending() > 0);
      exiting.clock.advance(60_000); // the backoff
    }
    assert.equal(exiting.source.stats().restarts, 2, "tried again twice before giving up");
    await assert.rejects(exiting.running, /Failed to add match: bad; it keeps exiting without output/);
  } finally {
    await f.cleanup();
  }
});
