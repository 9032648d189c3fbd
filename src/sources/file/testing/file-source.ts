/**
 * For the file source's tests: a FileSource on a ManualClock over real files, with inotify off by
 * default so that only `step()` (one poll) makes it read — deterministic, no sleeping.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import { ManualClock } from "../../../core/clock.js";
import type { SqliteStore } from "../../../store/sqlite/index.js";
import { waitFor } from "../../../testing/wait.js";
import { type TestContext, testContext } from "../../shared/testing/context.js";
import { fileSourceSchema } from "../config.js";
import { FileSource } from "../source.js";

export const T0 = Date.UTC(2023, 10, 25, 9, 0, 0);

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mamori-file-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface RunningFileSource {
  source: FileSource;
  t: TestContext;
  clock: ManualClock;
  /** one poll: advances the clock by ms (default poll_interval 1 s) and waits until it is done */
  step(ms?: number): Promise<void>;
  /** messages stored in group "g", in id order */
  messages(): Promise<string[]>;
  stop(): Promise<void>;
  /** resolves/rejects with run() */
  running: Promise<void>;
}

export async function startFileSource(
  config: Record<string, unknown>,
  opts: { store?: SqliteStore; clock?: ManualClock; watch?: boolean; failAfter?: number; log?: Logger } = {},
): Promise<RunningFileSource> {
  const parsed = fileSourceSchema.parse({
    type: "file",
    group: "g",
    start_position: "start_of_file",
    timezone: "UTC",
    ...config,
  });
  const clock = opts.clock ?? new ManualClock(T0);
  const t = testContext({ id: "file-test", clock, store: opts.store, hostname: "testhost", log: opts.log });
  t.failAfter = opts.failAfter;
  const source = new FileSource(parsed, t.ctx, { watch: opts.watch ?? false });
  const ac = new AbortController();
  let failed: unknown;
  const running = source.run(ac.signal);
  running.catch((err) => {
    failed = err;
  });
  const idle = () => {
    if (failed) throw failed;
    return source.stats().waiting === 1;
  };
  await waitFor("the first scan", idle);
  return {
    source,
    t,
    clock,
    running,
    step: async (ms = 1000) => {
      await waitFor("the source to wait", idle);
      const before = source.stats().polls;
      clock.advance(ms);
      await waitFor("one poll", () => idle() && source.stats().polls > before);
    },
    messages: async () => (await t.stored("g")).map((e) => e.message),
    stop: async () => {
      ac.abort();
      await running.catch(() => {});
    },
  };
}
