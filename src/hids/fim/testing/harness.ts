/** A FIM scanner over a real SQLite store and pipeline in a temp dir, for tests. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { configSchema } from "../../../config/schema.js";
import { type Clock, ManualClock } from "../../../core/clock.js";
import { Pipeline } from "../../../pipeline/pipeline.js";
import { openSqliteStore, type SqliteStore } from "../../../store/sqlite/index.js";
import { pipelineCommit } from "../commit.js";
import type { FimConfig } from "../config.js";
import { FIM_GROUP, type FimEvent } from "../events.js";
import { loadPackageIndex } from "../packages.js";
import { FimScanner } from "../scanner.js";

export interface Harness {
  dir: string;
  store: SqliteStore;
  pipeline: Pipeline;
  clock: Clock;
  scanner: FimScanner;
  config: FimConfig;
  /** every event stored in mamori/fim so far, parsed */
  stored(): Promise<FimEvent[]>;
  close(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mamori-fim-${prefix}-`));
}

export function fimConfigOf(fim: unknown): FimConfig {
  const c = configSchema.parse({ fim }).fim;
  if (!c) throw new Error("no fim config");
  return c;
}

export function harness(fim: unknown, o: { dir?: string; clock?: Clock } = {}): Harness {
  const dir = o.dir ?? tempDir("h");
  const store = openSqliteStore(path.join(dir, "data"));
  const log = pino({ level: "silent" });
  const pipeline = new Pipeline({ logs: store.logs, log });
  const clock = o.clock ?? new ManualClock(Date.UTC(2026, 0, 1));
  const config = fimConfigOf(fim);
  const scanner = new FimScanner(config, {
    fim: store.fim,
    commit: pipelineCommit(pipeline, clock, () => "testhost"),
    clock,
    host: () => "testhost",
    copiesDir: path.join(dir, "data", "fim", "copies"),
    packages: config.verify_packages ? () => loadPackageIndex(config.package_root) : undefined,
  });
  return {
    dir,
    store,
    pipeline,
    clock,
    scanner,
    config,
    async stored() {
      const events = await store.logs.query({ group: FIM_GROUP, orderById: true, limit: 100_000 });
      return events.map((e) => JSON.parse(e.message) as FimEvent);
    },
    async close() {
      await scanner.close();
      await pipeline.flushed();
      await store.close();
    },
  };
}
