/**
 * The contract every source passes, run with one line per source type:
 *   sourceContract("file", fileHarness)
 * 1. The store fails between two batches (what a kill -9 looks like from the store's side): then
 *    - checkpointed sources (file, journald, vpc-flow, cloudtrail): a new instance on the same store
 *      stores the rest — every record exactly once, in order;
 *    - acknowledged sources (http): the sender is told which batches were not stored, re-sends them,
 *      and every record is stored exactly once;
 *    - at-most-once sources (syslog, command): nothing is stored twice, and what was not stored is
 *      counted (`lostStat`), so sent = stored + lost.
 * 2. abort: run() resolves (not rejects) promptly once its signal aborts.
 * A harness says how to make input for a source and how to create it.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ManualClock } from "../../core/clock.js";
import { openSqliteStore, type SqliteStore } from "../../store/sqlite/index.js";
import { waitFor } from "../../testing/wait.js";
import { type TestContext, testContext } from "../shared/testing/context.js";
import type { Source, SourceContext } from "../types.js";

export type Delivery = "checkpointed" | "acknowledged" | "at-most-once";

export interface SourceHarness {
  /** the log group the source writes to */
  group: string;
  delivery: Delivery;
  /** records for the store-failure test: enough for more than two batches */
  records: number;
  /** Puts an input of n records under dir (files, a program); returns the messages in storing order. */
  prepare(dir: string, n: number): Promise<string[]>;
  /** A new instance over the input under dir (the same config each time, so the same checkpoints). */
  create(ctx: SourceContext, dir: string): Source;
  /**
   * Network sources: sends the messages to the running instance. Resolves with the messages the source
   * did not acknowledge (acknowledged delivery), or [] once everything was sent.
   */
  send?(source: Source, messages: string[]): Promise<string[]>;
  /** at-most-once: the stats() key counting records that could not be stored */
  lostStat?: string;
}

export const CONTRACT_T0 = Date.UTC(2023, 10, 25, 9, 0, 0);

interface Instance {
  source: Source;
  t: TestContext;
  running: Promise<void>;
  settled(): boolean;
  failure(): unknown;
  stop(): Promise<void>;
}

function startInstance(h: SourceHarness, dir: string, store: SqliteStore, failAfter?: number): Instance {
  const t = testContext({ id: "contract", clock: new ManualClock(CONTRACT_T0), store });
  t.failAfter = failAfter;
  const source = h.create(t.ctx, dir);
  const ac = new AbortController();
  let settled = false;
  let failure: unknown;
  const running = source.run(ac.signal);
  running.then(
    () => {
      settled = true;
    },
    (err) => {
      settled = true;
      failure = err;
    },
  );
  return {
    source,
    t,
    running,
    settled: () => settled,
    failure: () => failure,
    stop: async () => {
      ac.abort();
      await running.catch(() => {});
    },
  };
}

async function withInput(body: (dir: string, store: SqliteStore) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mamori-contract-"));
  const store = openSqliteStore(":memory:");
  try {
    await body(dir, store);
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const storedMessages = async (t: TestContext, group: string) => (await t.stored(group)).map((e) => e.message);

export function sourceContract(name: string, h: SourceHarness): void {
  test(`${name} (source contract): the store fails between batches: ${h.delivery}, nothing stored twice`, () =>
    withInput(async (dir, store) => {
      const messages = await h.prepare(dir, h.records);
      const a = startInstance(h, dir, store, 2);
      if (h.delivery === "checkpointed") {
        await waitFor("the store to fail", () => a.settled() || a.t.emits > 2, 30_000);
        await a.stop();
        const before = (await a.t.stored(h.group)).length;
        assert.ok(before < messages.length, `the failure left records unstored (${before})`);
        const b = startInstance(h, dir, store);
        await waitFor("the rest", async () => (await b.t.stored(h.group)).length >= messages.length, 30_000);
        await b.stop();
        assert.equal(b.failure(), undefined);
        assert.deepEqual(await storedMessages(b.t, h.group), messages);
      } else if (h.delivery === "acknowledged") {
        const send = h.send as NonNullable<SourceHarness["send"]>;
        const unacknowledged = await send(a.source, messages);
        assert.ok(unacknowledged.length > 0, "some batches were refused while the store failed");
        await a.stop();
        const b = startInstance(h, dir, store);
        assert.deepEqual(await send(b.source, unacknowledged), [], "the re-sent batches are stored");
        await b.stop();
        assert.deepEqual((await storedMessages(b.t, h.group)).sort(), [...messages].sort());
      } else {
        if (h.send) await h.send(a.source, messages);
        const lost = () => a.source.stats()[h.lostStat as string] ?? 0;
        await waitFor(
          "every record stored or counted as lost",
          async () => (await a.t.stored(h.group)).length + lost() >= messages.length,
          30_000,
        );
        await a.stop();
        const stored = await storedMessages(a.t, h.group);
        assert.ok(lost() > 0, "the records of the failed batches are counted as lost");
        assert.equal(stored.length + lost(), messages.length, "sent = stored + lost");
        assert.equal(new Set(stored).size, stored.length, "nothing stored twice");
        const sent = new Set(messages);
        assert.ok(
          stored.every((m) => sent.has(m)),
          "only what was sent is stored",
        );
      }
    }));

  test(`${name} (source contract): run() resolves promptly once aborted`, () =>
    withInput(async (dir, store) => {
      const messages = await h.prepare(dir, 10);
      const a = startInstance(h, dir, store);
      if (h.send) await h.send(a.source, messages);
      await waitFor("the input to be stored", async () => (await a.t.stored(h.group)).length >= 10, 30_000);
      assert.equal(a.settled(), false, "still running before the abort");
      void a.stop();
      await waitFor("run() to settle after abort", a.settled, 3000);
      assert.equal(a.failure(), undefined, "resolved, not rejected");
    }));
}
