/**
 * For the cloud-source end-to-end tests: `mamori serve` as a child process on an example config, and
 * a look into its store (SQLite in WAL mode: a second reader is fine) to know when files are ingested.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { DB_FILE } from "../../../store/sqlite/index.js";
import { SqliteLogStore } from "../../../store/sqlite/logs.js";
import { spawnCli } from "../../../testing/cli.js";
import { waitFor } from "../../../testing/wait.js";

export interface Served {
  child: ChildProcess;
  /** stderr so far (pino JSON lines) */
  log(): string;
  /** SIGTERM, then SIGKILL if it has not exited after 15 s; resolves with the exit code */
  stop(): Promise<number | null>;
}

/** Runs `mamori serve --config FILE` in cwd until stop(); resolves once it says it is running. */
export async function serve(config: string, env: NodeJS.ProcessEnv, cwd: string): Promise<Served> {
  const child = spawnCli(["serve", "--no-http", "--config", config], { cwd, env });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const stop = async () => {
    if (!gone()) child.kill("SIGTERM");
    await waitFor("mamori to stop after SIGTERM", gone, 15_000).catch(() => child.kill("SIGKILL"));
    return exited;
  };
  try {
    await waitFor("mamori serve to start", () => stderr.includes("mamori is running") || gone(), 30_000);
    if (gone()) throw new Error(`mamori serve exited with ${child.exitCode}:\n${stderr}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, log: () => stderr, stop };
}

/**
 * Events stored in a log group of the daemon's data dir (0 before the database exists). Read through a
 * read-only connection, so the test never takes the write lock the running daemon needs.
 */
export async function storedEvents(dataDir: string, group: string): Promise<number> {
  const file = path.join(dataDir, DB_FILE);
  if (!fs.existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    const logs = new SqliteLogStore(db, () => {});
    return (await logs.groups()).find((g) => g.name === group)?.storedEvents ?? 0;
  } catch (err) {
    // the daemon has not created its tables yet
    if (/no such table/.test(String(err))) return 0;
    throw err;
  } finally {
    db.close();
  }
}
