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
import { openSqliteStore } from "../../store/sqlite/index.js";
import { waitFor } from "../shared/testing/context.js";
import { PARTIAL_LINE_FLUSH_MS, ROTATED_QUIET_MS } from "./source.js";
import { startFileSource, T0, tempDir } from "./testing.js";

const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);
const text = (ls: string[]) => ls.map((l) => `${l}\n`).join("");

test("start_position: start_of_file reads what is there, end_of_file only what comes after", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const table = [
      { start_position: "start_of_file", want: lines(1, 5) },
      { start_position: "end_of_file", want: lines(4, 5) },
    ];
    for (const row of table) {
      const file = path.join(dir, `${row.start_position}.log`);
      writeFileSync(file, text(lines(1, 3)));
      const s = await startFileSource({ path: file, start_position: row.start_position });
      appendFileSync(file, text(lines(4, 5)));
      await s.step();
      assert.deepEqual(await s.messages(), row.want, row.start_position);
      await s.stop();
    }
  } finally {
    await cleanup();
  }
});

test("end_of_file applies only to files without a checkpoint: a restart resumes where it stopped", async () => {
  const { dir, cleanup } = await tempDir();
  const store = openSqliteStore(":memory:");
  try {
    const file = path.join(dir, "app.log");
    writeFileSync(file, text(lines(1, 2)));
    const a = await startFileSource({ path: file, start_position: "end_of_file" }, { store });
    appendFileSync(file, text(lines(3, 4)));
    await a.step();
    await a.stop();
    appendFileSync(file, text(lines(5, 6))); // written while stopped
    const b = await startFileSource({ path: file, start_position: "end_of_file" }, { store });
    assert.deepEqual(await b.messages(), lines(3, 6));
    await b.stop();
  } finally {
    store.close();
    await cleanup();
  }
});

test("partial lines wait for their newline; CRLF loses its CR; an idle partial line is flushed", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = path.join(dir, "app.log");
    writeFileSync(file, "first\r\nsec");
    const s = await startFileSource({ path: file });
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
    await s.stop();
  } finally {
    await cleanup();
  }
});

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
  test(`rotation: ${r.name}`, async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const file = path.join(dir, "app.log");
      writeFileSync(file, text(lines(1, 3)));
      const s = await startFileSource({ path: file });
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
      await s.stop();
    } finally {
      await cleanup();
    }
  });
}

test("rename + create while stopped: the rest of the renamed file, then the new one", async () => {
  const { dir, cleanup } = await tempDir();
  const store = openSqliteStore(":memory:");
  try {
    const file = path.join(dir, "app.log");
    writeFileSync(file, text(lines(1, 2)));
    const a = await startFileSource({ path: file }, { store });
    await a.stop();
    appendFileSync(file, text(lines(3, 4)));
    renameSync(file, `${file}.1`);
    writeFileSync(file, text(lines(5, 6)));
    const b = await startFileSource({ path: file }, { store });
    assert.deepEqual(await b.messages(), lines(1, 6));
    await b.stop();
  } finally {
    store.close();
    await cleanup();
  }
});

test("replaced while stopped (same inode, other first bytes): read from the start", async () => {
  const { dir, cleanup } = await tempDir();
  const store = openSqliteStore(":memory:");
  try {
    const file = path.join(dir, "app.log");
    writeFileSync(file, text(lines(1, 2)));
    const a = await startFileSource({ path: file }, { store });
    await a.stop();
    writeFileSync(file, text(["other content", "much longer than the offset stored before"]));
    const b = await startFileSource({ path: file }, { store });
    assert.deepEqual(await b.messages(), [
      ...lines(1, 2),
      "other content",
      "much longer than the offset stored before",
    ]);
    await b.stop();
  } finally {
    store.close();
    await cleanup();
  }
});

test("the store fails between batches (kill -9): a restart stores every line exactly once", async () => {
  const { dir, cleanup } = await tempDir();
  const store = openSqliteStore(":memory:");
  try {
    const file = path.join(dir, "big.log");
    // ~3.5 MiB: several 1 MiB chunks, so several batches
    const all = Array.from({ length: 60_000 }, (_, i) => `${String(i).padStart(8, "0")} ${"p".repeat(50)}`);
    writeFileSync(file, text(all));
    await assert.rejects(startFileSource({ path: file }, { store, failAfter: 2 }), /simulated crash/);
    const stored = (await store.logs.query({ group: "g", limit: 1e7 })).length;
    assert.ok(stored > 0 && stored < all.length, `a part was stored before the crash (${stored})`);
    const b = await startFileSource({ path: file }, { store });
    assert.deepEqual(await b.messages(), all);
    await b.stop();
  } finally {
    store.close();
    await cleanup();
  }
});

test("globs: *, ?, [..], ** pick up new files; exclude skips; {filename} names the stream", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    mkdirSync(path.join(dir, "a/b"), { recursive: true });
    writeFileSync(path.join(dir, "one.log"), "one\n");
    writeFileSync(path.join(dir, "one.log.1"), "rotated copy\n");
    const s = await startFileSource({
      path: [path.join(dir, "*.log"), path.join(dir, "**/x?[0-9].txt")],
      exclude: ["skip-*.log"],
      stream: "{hostname}/{filename}",
    });
    assert.deepEqual(await s.messages(), ["one"]);
    writeFileSync(path.join(dir, "two.log"), "two\n");
    writeFileSync(path.join(dir, "skip-me.log"), "excluded\n");
    writeFileSync(path.join(dir, "a/b/xy7.txt"), "deep\n");
    writeFileSync(path.join(dir, "a/b/xyz.txt"), "not a digit\n");
    await s.step();
    const events = await s.t.stored("g");
    assert.deepEqual(events.map((e) => `${e.stream} ${e.message}`).sort(), [
      "testhost/one.log one",
      "testhost/two.log two",
      "testhost/xy7.txt deep",
    ]);
    await s.stop();
  } finally {
    await cleanup();
  }
});

test("a 1 MiB line is cut at 256 KiB and counted; the lines around it are intact", async () => {
  const { dir, cleanup } = await tempDir();
  const store = openSqliteStore(":memory:");
  try {
    const file = path.join(dir, "long.log");
    writeFileSync(file, `before\n${"é".repeat(512 * 1024)}\nafter\n`); // 1 MiB of 2-byte characters
    const s = await startFileSource({ path: file }, { store });
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
    const b = await startFileSource({ path: file }, { store });
    const after = await b.messages();
    assert.deepEqual(
      after.slice(3).map((m) => m.length),
      [256 * 1024, 4],
    );
    assert.equal(after.at(-1), "last");
    await b.stop();
  } finally {
    store.close();
    await cleanup();
  }
});

test("binary garbage and invalid UTF-8 never stop the source", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = path.join(dir, "garbage.bin");
    const junk = randomBytes(3 * 1024 * 1024);
    writeFileSync(
      file,
      Buffer.concat([Buffer.from([0x66, 0xff, 0xfe, 0x6f, 0x0a]), junk, Buffer.from("\nok\n")]),
    );
    const s = await startFileSource({ path: file });
    const got = await s.messages();
    assert.equal(got[0], "f\ufffd\ufffdo");
    assert.equal(got.at(-1), "ok");
    assert.equal(s.source.stats().read_errors, 0);
    await s.stop();
  } finally {
    await cleanup();
  }
});

test("timestamps: the line's own time (detected or datetime_format), else the ingest time", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = path.join(dir, "auth.log");
    writeFileSync(file, "Nov 25 08:21:45 web-1 sshd[1]: hello\nno time\n25.11.2023 07-00 custom\n");
    const s = await startFileSource({ path: file, datetime_format: "%d.%m.%Y %H-%M" });
    const events = await s.t.stored("g");
    assert.deepEqual(
      events.map((e) => [e.message.slice(0, 7), new Date(e.timestamp).toISOString(), e.ingestTime]),
      [
        ["Nov 25 ", "2023-11-25T08:21:45.000Z", T0],
        ["no time", new Date(T0).toISOString(), T0],
        ["25.11.2", "2023-11-25T07:00:00.000Z", T0],
      ],
    );
    await s.stop();
  } finally {
    await cleanup();
  }
});

test("inotify wakes the source without waiting for the poll", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = path.join(dir, "app.log");
    writeFileSync(file, "");
    const s = await startFileSource({ path: file, poll_interval: "1h" }, { watch: true });
    appendFileSync(file, "woken by inotify\n");
    await waitFor(async () => (await s.messages()).length === 1, "the inotify wake-up");
    assert.equal(s.clock.now(), T0, "the clock did not move");
    await s.stop();
  } finally {
    await cleanup();
  }
});
