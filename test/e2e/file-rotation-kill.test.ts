/**
 * Issue #3's "Done when": a writer appends 100,000 numbered lines to a file while rotating it in every
 * style (rename + create, copytruncate, delete + recreate, truncate in place), while `mamori serve` is
 * killed with SIGKILL and restarted several times; afterwards `mamori logs filter GROUP --json` returns
 * exactly those lines, each once, in order.
 *
 * copytruncate, truncate in place and delete + recreate lose data by nature when the reader is behind
 * (what is written between the copy and the truncation, or what nobody holds open when the file is
 * deleted), so before those three the test waits until the daemon has stored every line written so far.
 * rename + create is also done while the daemon is dead: the renamed file is found again by its inode.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import Database from "better-sqlite3";
import { runCli, spawnCli } from "../../src/testing/cli.js";
import { waitFor } from "../../src/testing/wait.js";

const TOTAL = 100_000;
const BLOCK = 5_000;
const WRITE = 250; // lines per append
const GROUP = "e2e-rotation";
const DEADLINE_MS = 55_000;

const dir = mkdtempSync(path.join(os.tmpdir(), "mamori-e2e-rotation-"));
const logDir = path.join(dir, "logs");
const logFile = path.join(logDir, "app.log");
const dataDir = path.join(dir, "data");
const configFile = path.join(dir, "mamori.yaml");
const started = performance.now();
let daemon: ChildProcess | undefined;
let daemonLog = "";
let rotated = 0;

after(() => {
  daemon?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const lineText = (i: number) => `line ${String(i).padStart(6, "0")} of the rotation test`;

function timeLeft(what: string): void {
  if (performance.now() - started > DEADLINE_MS)
    throw new Error(
      `over the time bound while ${what} (${storedCount()} stored, ${written} written)\n${debugState()}\n--- daemon log (tail):\n${daemonLog.slice(-4000)}`,
    );
}

function startDaemon(): void {
  const child = spawnCli(["serve", "--no-http", "--config", configFile], { cwd: dir });
  child.stdout?.resume();
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    daemonLog = (daemonLog + d).slice(-100_000);
  });
  child.once("exit", (code, signal) => {
    daemonLog += `[daemon ${child.pid} exited: ${signal ?? code}]\n`;
  });
  daemon = child;
}

/** Until the running daemon stores something new: it is up and has opened the current file. */
async function waitIngesting(): Promise<void> {
  const before = storedCount();
  await waitFor(
    "the daemon to ingest",
    () => {
      timeLeft("waiting for the daemon to ingest");
      return storedCount() !== before || before >= written;
    },
    DEADLINE_MS,
    20, // each poll is a count over the store the daemon writes
  );
}

/**
 * SIGKILL, once the daemon is up: a daemon that never saw a file cannot know that it was rotated away
 * (a glob that does not match app.log.N), so it is killed while it ingests, not while it boots.
 */
async function killDaemon(): Promise<void> {
  await waitIngesting();
  const child = daemon;
  if (!child) return;
  daemon = undefined;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

/** On a failure: the checkpoints, a summary of what is stored, and the files with their inodes. */
function debugState(): string {
  try {
    const db = new Database(path.join(dataDir, "mamori.db"), { readonly: true, fileMustExist: true });
    try {
      const checkpoints = db.prepare("SELECT key, value FROM checkpoints").all();
      const events = db
        .prepare(
          "SELECT count(*) n, count(DISTINCT message) distinct_n, min(message) lo, max(message) hi FROM events",
        )
        .get();
      const files = readdirSync(logDir).map((f) => {
        const st = statSync(path.join(logDir, f));
        return `${f} ino=${st.ino} size=${st.size}`;
      });
      return JSON.stringify({ checkpoints, events, files }, null, 1);
    } finally {
      db.close();
    }
  } catch (err) {
    return `(no state: ${err})`;
  }
}

/** Events of the group stored so far, read directly from the daemon's SQLite file (WAL: safe). */
function storedCount(): number {
  const file = path.join(dataDir, "mamori.db");
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 2000");
    const row = db
      .prepare("SELECT count(*) AS n FROM events WHERE group_id = (SELECT id FROM log_groups WHERE name = ?)")
      .get(GROUP) as { n: number } | undefined;
    return row?.n ?? 0;
  } catch {
    return 0; // schema not created yet
  } finally {
    db.close();
  }
}

async function waitStored(n: number, what: string): Promise<void> {
  await waitFor(
    `${n} stored lines (${what})`,
    () => {
      if (storedCount() >= n) return true;
      timeLeft(`waiting for ${n} stored lines (${what})`);
      if (!daemon) throw new Error("waiting for the daemon while it is not running");
      return false;
    },
    DEADLINE_MS,
    50,
  );
}

let written = 0;

async function writeBlock(): Promise<void> {
  const end = Math.min(TOTAL, Math.floor(written / BLOCK) * BLOCK + BLOCK);
  while (written < end) {
    const lines: string[] = [];
    for (let k = 0; k < WRITE && written < end; k++) lines.push(lineText(++written));
    appendFileSync(logFile, `${lines.join("\n")}\n`);
    await delay(15); // a live writer, not one burst
  }
}

const rotate = {
  renameCreate(): void {
    renameSync(logFile, `${logFile}.${++rotated}`);
    writeFileSync(logFile, "");
  },
  copyTruncate(): void {
    copyFileSync(logFile, `${logFile}.${++rotated}`);
    truncateSync(logFile, 0);
  },
  deleteRecreate(): void {
    unlinkSync(logFile);
    writeFileSync(logFile, "");
  },
  truncateInPlace(): void {
    truncateSync(logFile, 0);
  },
};

/** After each block, what happens (the daemon dies, the file rotates, or both). */
const script: Record<number, () => Promise<void>> = {
  2: async () => {
    await waitIngesting();
    rotate.renameCreate();
  },
  4: async () => {
    await killDaemon();
    startDaemon();
  },
  6: async () => {
    await waitStored(written, "before copytruncate");
    rotate.copyTruncate();
  },
  8: async () => {
    await killDaemon(); // rotated while nobody watches: found again by inode on restart
    rotate.renameCreate();
    await writeBlock();
    startDaemon();
  },
  10: async () => {
    await waitStored(written, "before delete + recreate");
    rotate.deleteRecreate();
  },
  12: async () => {
    await killDaemon();
    await writeBlock();
    startDaemon();
  },
  14: async () => {
    await waitStored(written, "before truncate in place");
    rotate.truncateInPlace();
  },
  15: async () => {
    await waitIngesting();
    rotate.renameCreate();
    await killDaemon(); // killed right after a rotation, before it can have finished the old file
    startDaemon();
  },
  17: async () => {
    await killDaemon();
    startDaemon();
  },
};

test("100,000 lines through every rotation style and repeated kill -9: each stored once, in order", {
  timeout: 90_000,
}, async () => {
  mkdirSync(logDir);
  writeFileSync(logFile, "");
  writeFileSync(
    configFile,
    [
      `data_dir: ${dataDir}`,
      "sources:",
      "  - type: file",
      `    path: ${logFile}`,
      `    group: ${GROUP}`,
      "    start_position: start_of_file",
      "    poll_interval: 1",
      "",
    ].join("\n"),
  );
  startDaemon();
  appendFileSync(logFile, `${lineText(++written)}\n`);
  await waitStored(1, "the daemon to start");
  let block = 0;
  while (written < TOTAL) {
    timeLeft("writing");
    await writeBlock();
    block++;
    await script[block]?.();
  }
  assert.equal(written, TOTAL);
  if (!daemon) startDaemon();
  await waitStored(TOTAL, "the end");
  await delay(500); // anything stored twice would show up now
  const child = daemon as unknown as ChildProcess;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
  daemon = undefined;

  const out = await runCli(["logs", "filter", GROUP, "--json", "--config", configFile], { cwd: dir });
  assert.equal(out.code, 0, out.stderr);
  const messages = out.stdout
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { message: string }).message);
  const expected = Array.from({ length: TOTAL }, (_, i) => lineText(i + 1));
  assert.equal(messages.length, TOTAL, "every line once");
  const firstWrong = messages.findIndex((m, i) => m !== expected[i]);
  assert.equal(firstWrong, -1, `in order: at ${firstWrong} got "${messages[firstWrong]}"`);
  assert.ok(performance.now() - started < 60_000, "bounded in time");
});
