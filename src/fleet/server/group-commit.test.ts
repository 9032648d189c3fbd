import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import { Pipeline } from "../../pipeline/pipeline.js";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { GroupCommit } from "./group-commit.js";

const log = pino({ level: "silent" });

function batchOf(agent: number, n: number) {
  return {
    events: Array.from({ length: n }, (_, i) => ({
      group: "auth",
      stream: `agent-${agent}`,
      timestamp: 1_000 + i,
      ingestTime: 2_000,
      message: `agent ${agent} line ${i}`,
    })),
    checkpoints: [{ source: `fleet-agent:ag-${agent}`, key: "position", value: `{"seq":1,"lastId":${n}}` }],
  };
}

describe("GroupCommit", () => {
  it("commits the batches of one turn in one transaction, each with its position", async () => {
    const store = openSqliteStore(":memory:");
    const pipeline = new Pipeline({ logs: store.logs, log });
    const commits = new GroupCommit(pipeline);
    await Promise.all(Array.from({ length: 50 }, (_, a) => commits.emitAndCommit(batchOf(a, 2))));
    assert.equal(pipeline.counters.committedBatches, 1);
    assert.deepEqual(commits.counters, { groups: 1, batches: 50 });
    const streams = await store.logs.streams("auth");
    assert.equal(streams.length, 50);
    assert.equal(
      streams.reduce((s, x) => s + x.storedEvents, 0),
      100,
    );
    assert.equal(await store.logs.getCheckpoint("fleet-agent:ag-49", "position"), '{"seq":1,"lastId":2}');
    // a later turn is a transaction of its own
    await commits.emitAndCommit(batchOf(50, 1));
    assert.equal(pipeline.counters.committedBatches, 2);
    await store.close();
  });

  it("fails every batch of the group when its transaction fails (each agent resends)", async () => {
    const store = openSqliteStore(":memory:");
    const pipeline = new Pipeline({ logs: store.logs, log });
    const commits = new GroupCommit(pipeline);
    await store.close(); // the store is gone: the transaction cannot run
    const results = await Promise.allSettled([1, 2, 3].map((a) => commits.emitAndCommit(batchOf(a, 1))));
    assert.deepEqual(
      results.map((r) => r.status),
      ["rejected", "rejected", "rejected"],
    );
    assert.equal(pipeline.counters.committedBatches, 0);
    assert.equal(pipeline.counters.ingestErrors, 1);
  });
});
