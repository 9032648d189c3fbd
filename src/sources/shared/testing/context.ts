/**
 * For the sources' tests: a SourceContext backed by the real pipeline and an in-memory SQLite store, so
 * "events and checkpoints in one transaction" is what the tests exercise. `failAfter` makes the store
 * refuse batches after n commits (a kill -9 between two batches, as far as the store can tell).
 */

import pino, { type Logger } from "pino";
import { type Clock, ManualClock } from "../../../core/clock.js";
import type { StoredEvent } from "../../../core/event.js";
import { Pipeline } from "../../../pipeline/pipeline.js";
import { openSqliteStore, type SqliteStore } from "../../../store/sqlite/index.js";
import type { SourceContext } from "../../types.js";

export interface TestContext {
  ctx: SourceContext;
  store: SqliteStore;
  clock: Clock;
  /** every event stored in the group, in id order */
  stored(group: string): Promise<StoredEvent[]>;
  /** emits seen (committed or not) */
  emits: number;
  /** after this many more successful commits, further emits reject (undefined = never) */
  failAfter?: number;
}

export function testContext(
  opts: { id?: string; clock?: Clock; store?: SqliteStore; hostname?: string; log?: Logger } = {},
): TestContext {
  const store = opts.store ?? openSqliteStore(":memory:");
  const log = opts.log ?? pino({ level: process.env.MAMORI_TEST_LOG ?? "silent" });
  const pipeline = new Pipeline({ logs: store.logs, log });
  const t: TestContext = {
    store,
    clock: opts.clock ?? new ManualClock(Date.UTC(2023, 10, 25, 9, 0, 0)),
    emits: 0,
    stored: async (group) => {
      const events = await store.logs.query({ group, limit: 10_000_000 });
      return events.sort((a, b) => a.id - b.id);
    },
    ctx: undefined as unknown as SourceContext,
  };
  t.ctx = {
    id: opts.id ?? "test-source",
    clock: t.clock,
    log,
    hostname: opts.hostname ?? "testhost",
    logs: store.logs,
    emit: async (batch) => {
      t.emits++;
      if (t.failAfter !== undefined) {
        if (t.failAfter <= 0) throw new Error("store unavailable (simulated crash)");
        t.failAfter--;
      }
      await pipeline.emitAndCommit(batch);
    },
  };
  return t;
}
