import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  renameSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { openSqliteStore, type SqliteStore } from "../../store/sqlite/index.js";
import { waitFor } from "../../testing/wait.js";
import { PARTIAL_LINE_FLUSH_MS, ROTATED_QUIET_MS } from "./source.js";
import { type RunningFileSource, startFileSource, T0, tempDir } from "./testing/file-source.js";

const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);
const text = (ls: string[]) => ls.map((l) => `${l}\n`).join("");

interface Scene {
  dir: string;
  /** for sources that must share checkpoints (a restart); pass it as `{ store }`, else each has its own */
  store: SqliteStore;
  /** writes content to dir/name and returns the path */
  write(name: string, content: string | Buffer): string;
  /** startFileSource; inTempDir stops every source started this way when the test ends, passed or failed */
  start(...args: Parameters<typeof startFileSource>): Promise<RunningFileSource>;
}

/** Runs a test in a fresh temp folder; afterwards stops its sources, closes the store, removes the folder. */
async function inTempDir(body: (scene: Scene) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir();
  const store = openSqliteStore(":memory:");
  const started: RunningFileSource[] = [];
  try {
    await body({
      dir,
      store,
      write: (name, content) => {
        const file = path.join(dir, name);
        writeFileSync(file, content);
        return file;
      },
      start: async (...args) => {
        const s = await startFileSource(...args);
        started.push(s);
        return s;
      },
    });
  } finally {
    for (const s of started) await s.stop();
    store.close();
    await cleanup();
  }
}

test("start_position: start_of_file reads what is there, end_of_file only what comes after", () =>
  inTempDir(async ({ write, start }) => {
    const table = [
      { start_position: "start_of_file", want: lines(1, 5) },
      { start_position: "end_of_file", want: lines(4, 5) },
    ];
    for (const row of table) {
      const file = write(`${row.start_position}.log`, text(lines(1, 3)));
      const s = await start({ path: file, start_position: row.start_position });
      appendFileSync(file, text(lines(4, 5)));
      await s.step();
      assert.deepEqual(await s.messages(), row.want, row.start_position);
      await s.stop();
    }
  }));

test("end_of_file applies only to files without a checkpoint: a restart resumes where it stopped", () =>
  inTempDir(async ({ write, start, store }) => {
    const file = write("app.log", text(lines(1, 2)));
    const a = await start({ path: file, start_position: "end_of_file" }, { store });
    appendFileSync(file, text(lines(3, 4)));
    await a.step();
    await a.stop();
    appendFileSync(file, text(lines(5, 6))); // written while stopped
    const b = await start({ path: file, start_position: "end_of_file" }, { store });
    assert.deepEqual(await b.messages(), lines(3, 6));
  }));

test("partial lines wait for their newline; CRLF loses its CR; an idle partial line is flushed", () =>
  inTempDir(async ({ write, start }) => {
    const file = write("app.log", "first\r\nsec");
    const s = await start({ path: file });
    assert.deepEqual(await s.messages(), ["first"]);
    appendFileSync(file, "ond\nthi");
    await s.step();
    assert.deepEqual(await s.messages(), ["first", "second"]);
    for (let waited = 1000; waited < PARTIAL_LINE_FLUSH_MS; waited += 1000) await s.step();
    assert.deepEqual(await s.messages(), ["first", "second"], "not flushed before the timeout");
    await s.step();
    assert.deepEqual(await s.messages(), ["first", "second", "thi"]);
    assert.equal(s.source.stats().partial_lines_flushed, 1);
    appendFileSync(file, "rd\n"); // the rest of a flushed line is a line of its own
    await s.step();
    assert.deepEqual(await s.messages(), ["first", "second", "thi", "rd"]);
  }));

// Each rotation style: lines before, lines the writer adds around the rotation, lines after; every line
// once, in order. For copytruncate / truncate the source has read everything before the truncation
// (those styles lose what is written between the copy and the truncation, by nature).
const rotations: Array<{ name: string; rotate(file: string): void }> = [
  {
    name: "rename + create (writer finishes the old file first)",
    rotate: (file) => {
      renameSync(file, `${file}.1`);
      appendFileSync(`${file}.1`, text(lines(4, 5)));
      writeFileSync(file, "");
    },
  },
  {
    name: "copytruncate",
    rotate: (file) => {
      copyFileSync(file, `${file}.1`);
      truncateSync(file, 0);
      appendFileSync(file, text(lines(4, 5)));
    },
  },
  {
    name: "delete + recreate",
    rotate: (file) => {
      appendFileSync(file, text(lines(4, 5)));
      unlinkSync(file);
      writeFileSync(file, "");
    },
  },
  {
    name: "truncated in place and rewritten past the old offset before the next poll",
    rotate: (file) => {
      truncateSync(file, 0);
      appendFileSync(file, text(lines(4, 5)));
      appendFileSync(file, `${"x".repeat(100)}\n`);
    },
  },
];

for (const r of rotations) {
  test(`rotation: ${r.name}`, () =>
    inTempDir(async ({ write, start }) => {
      const file = write("app.log", text(lines(1, 3)));
      const s = await start({ path: file });
      assert.deepEqual(await s.messages(), lines(1, 3));
      r.rotate(file);
      appendFileSync(file, text(lines(6, 8)));
      await s.step();
      const got = (await s.messages()).filter((m) => !m.startsWith("xxx"));
      assert.deepEqual(got, lines(1, 8));
      for (let i = 0; i < ROTATED_QUIET_MS / 1000 + 1; i++) await s.step();
      assert.equal(s.source.stats().files, 1, "the rotated file is closed once quiet");
      appendFileSync(file, text(lines(9, 9)));
      await s.step();
      assert.deepEqual(
        (await s.messages()).filter((m) => !m.startsWith("xxx")),
        lines(1, 9),
      );
    }));
}

test("rename + create while stopped: the rest of the renamed file, then the new one", () =>
  inTempDir(async ({ write, start, store }) => {
    const file = write("app.log", text(lines(1, 2)));
    const a = await start({ path: file }, { store });
    await a.stop();
    appendFileSync(file, text(lines(3, 4)));
    renameSync(file, `${file}.1`);
    writeFileSync(file, text(lines(5, 6)));
    const b = await start({ path: file }, { store });
    assert.deepEqual(await b.messages(), lines(1, 6));
  }));

test("replaced while stopped (same inode, other first bytes): read from the start", () =>
  inTempDir(async ({ write, start, store }) => {
    const file = write("app.log", text(lines(1, 2)));
    const a = await start({ path: file }, { store });
    await a.stop();
    writeFileSync(file, text(["other content", "much longer than the offset stored before"]));
    const b = await start({ path: file }, { store });
    assert.deepEqual(await b.messages(), [
      ...lines(1, 2),
      "other content",
      "much longer than the offset stored before",
    ]);
  }));

test("the store fails between batches (kill -9): a restart stores every line exactly once", () =>
  inTempDir(async ({ write, start, store }) => {
    // ~3.5 MiB: several 1 MiB chunks, so several batches
    const all = Array.from({ length: 60_000 }, (_, i) => `${String(i).padStart(8, "0")} ${"p".repeat(50)}`);
    const file = write("big.log", text(all));
    await assert.rejects(start({ path: file }, { store, failAfter: 2 }), /simulated crash/);
    const stored = (await store.logs.query({ group: "g", limit: 1e7 })).length;
    assert.ok(stored > 0 && stored < all.length, `a part was stored before the crash (${stored})`);
    const b = await start({ path: file }, { store });
    assert.deepEqual(await b.messages(), all);
  }));

test("globs: *, ?, [..], ** pick up new files; exclude skips; {filename} names the stream", () =>
  inTempDir(async ({ dir, write, start }) => {
    mkdirSync(path.join(dir, "a/b"), { recursive: true });
    write("one.log", "one\n");
    write("one.log.1", "rotated copy\n");
    const s = await start({
      path: [path.join(dir, "*.log"), path.join(dir, "**/x?[0-9].txt")],
      exclude: ["skip-*.log"],
      stream: "{hostname}/{filename}",
    });
    assert.deepEqual(await s.messages(), ["one"]);
    write("two.log", "two\n");
    write("skip-me.log", "excluded\n");
    write("a/b/xy7.txt", "deep\n");
    write("a/b/xyz.txt", "not a digit\n");
    await s.step();
    const events = await s.t.stored("g");
    assert.deepEqual(events.map((e) => `${e.stream} ${e.message}`).sort(), [
      "testhost/one.log one",
      "testhost/two.log two",
      "testhost/xy7.txt deep",
    ]);
  }));

test("a 1 MiB line is cut at 256 KiB and counted; the lines around it are intact", () =>
  inTempDir(async ({ write, start, store }) => {
    const file = write("long.log", `before\n${"é".repeat(512 * 1024)}\nafter\n`); // 1 MiB of 2-byte characters
    const s = await start({ path: file }, { store });
    const got = await s.messages();
    assert.equal(got.length, 3);
    assert.equal(got[0], "before");
    assert.equal(Buffer.byteLength(got[1]), 256 * 1024);
    assert.ok(!got[1].includes("\ufffd"), "cut on a character boundary");
    assert.equal(got[2], "after");
    assert.equal(s.source.stats().lines_cut, 1);
    assert.equal(s.source.stats().bytes_skipped, 768 * 1024);
    // a long line still being written: head stored, tail skipped even across a restart
    appendFileSync(file, "y".repeat(300 * 1024));
    await s.step();
    await s.stop();
    appendFileSync(file, `${"y".repeat(10)}\nlast\n`);
    const b = await start({ path: file }, { store });
    const after = await b.messages();
    assert.deepEqual(
      after.slice(3).map((m) => m.length),
      [256 * 1024, 4],
    );
    assert.equal(after.at(-1), "last");
  }));

test("binary garbage and invalid UTF-8 never stop the source", () =>
  inTempDir(async ({ write, start }) => {
    const junk = randomBytes(3 * 1024 * 1024);
    const file = write(
      "garbage.bin",
      Buffer.concat([Buffer.from([0x66, 0xff, 0xfe, 0x6f, 0x0a]), junk, Buffer.from("\nok\n")]),
    );
    const s = await start({ path: file });
    const got = await s.messages();
    assert.equal(got[0], "f\ufffd\ufffdo");
    assert.equal(got.at(-1), "ok");
    assert.equal(s.source.stats().read_errors, 0);
  }));

test("timestamps: the line's own time (detected or datetime_format), else the ingest time", () =>
  inTempDir(async ({ write, start }) => {
    const file = write(
      "auth.log",
      "Nov 25 08:21:45 web-1 sshd[1]: hello\nno time\n25.11.2023 07-00 custom\n",
    );
    const s = await start({ path: file, datetime_format: "%d.%m.%Y %H-%M" });
    const events = await s.t.stored("g");
    assert.deepEqual(
      events.map((e) => [e.message.slice(0, 7), new Date(e.timestamp).toISOString(), e.ingestTime]),
      [
        ["Nov 25 ", "2023-11-25T08:21:45.000Z", T0],
        ["no time", new Date(T0).toISOString(), T0],
        ["25.11.2", "2023-11-25T07:00:00.000Z", T0],
      ],
    );
  }));

test("inotify wakes the source without waiting for the poll", () =>
  inTempDir(async ({ write, start }) => {
    const file = write("app.log", "");
    const s = await start({ path: file, poll_interval: "1h" }, { watch: true });
    appendFileSync(file, "woken by inotify\n");
    await waitFor("the inotify wake-up", async () => (await s.messages()).length === 1);
    assert.equal(s.clock.now(), T0, "the clock did not move");
  }));
