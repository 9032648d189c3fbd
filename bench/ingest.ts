/**
 * `npm run bench -- ingest [--lines N]`: file → store throughput. A generated auth.log (1,000,000 lines by
 * default) is tailed by the real file source (start_of_file, inotify on) through the pipeline into the
 * real SQLite store (WAL, on disk) — the path `mamori serve` takes. Prints lines/s and the process's
 * peak RSS. Target on a 2-core machine: >= 200,000 lines/s with peak RSS < 300 MB.
 * Generating the file is not timed (it is written in chunks, so it does not inflate the RSS either).
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { fileSourceSchema } from "../src/config/schema.js";
import { systemClock } from "../src/core/clock.js";
import { Pipeline } from "../src/pipeline/pipeline.js";
import { FileSource } from "../src/sources/file/source.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { authLogLines } from "./gen/auth-log.js";

const TARGET_LINES_PER_S = 200_000;
const TARGET_RSS_MB = 300;

async function writeAuthLog(file: string, n: number): Promise<number> {
  const out = createWriteStream(file);
  let chunk: string[] = [];
  let bytes = 0;
  const flush = async () => {
    const text = `${chunk.join("\n")}\n`;
    bytes += Buffer.byteLength(text);
    chunk = [];
    if (!out.write(text)) await new Promise<void>((r) => out.once("drain", () => r()));
  };
  for (const line of authLogLines(n, 1)) {
    chunk.push(line);
    if (chunk.length === 10_000) await flush();
  }
  if (chunk.length > 0) await flush();
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return bytes;
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function run(args: string[]): Promise<void> {
  const n = Number(argValue(args, "--lines") ?? 1_000_000);
  const dir = await mkdtemp(path.join(os.tmpdir(), "mamori-bench-ingest-"));
  try {
    const file = path.join(dir, "auth.log");
    const bytes = await writeAuthLog(file, n);
    const store = openSqliteStore(path.join(dir, "data"));
    const log = pino({ level: "warn" });
    const pipeline = new Pipeline({ logs: store.logs, log });
    const config = fileSourceSchema.parse({
      type: "file",
      path: file,
      group: "/var/log/auth.log",
      start_position: "start_of_file",
    });
    const source = new FileSource(config, {
      id: "bench",
      clock: systemClock,
      log,
      hostname: "bench",
      logs: store.logs,
      emit: async (batch) => {
        await pipeline.emit(batch);
      },
    });
    const ac = new AbortController();
    const t0 = performance.now();
    const running = source.run(ac.signal);
    while (pipeline.counters.committedEvents < n) {
      await Promise.race([systemClock.sleep(5), running]);
      if (pipeline.counters.ingestErrors > 0) throw new Error("the store refused a batch");
    }
    const ms = performance.now() - t0;
    ac.abort();
    await running;
    await pipeline.flushed();
    await store.close();
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const perS = n / (ms / 1000);
    const ok = (b: boolean) => (b ? "ok" : "BELOW TARGET");
    process.stdout.write(
      `file -> sqlite: ${n} lines (${(bytes / 1048576).toFixed(1)} MiB) in ${(ms / 1000).toFixed(2)} s = ${Math.round(perS).toLocaleString("en-US")} lines/s [target >= ${TARGET_LINES_PER_S.toLocaleString("en-US")}: ${ok(perS >= TARGET_LINES_PER_S)}]\n` +
        `peak RSS: ${rssMb.toFixed(0)} MB [target < ${TARGET_RSS_MB}: ${ok(rssMb < TARGET_RSS_MB)}]\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
