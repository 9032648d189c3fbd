/**
 * Group commit for agents' batches: the batches that arrive in one turn of the event loop (from many
 * agents) go to the pipeline as one batch, so the store commits them in one transaction instead of one
 * each. Each agent's events and its position stay in the same transaction, so exactly-once holds: the
 * whole group is committed or none of it (then every agent of the group gets its error and resends).
 * At 10 events/s per agent a batch holds 1-2 events; a transaction per batch was most of the server's CPU.
 */
import type { Pipeline, SourceBatch } from "../../pipeline/pipeline.js";

interface Waiting {
  batch: SourceBatch;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private waiting: Waiting[] = [];
  private scheduled = false;
  /** transactions asked of the pipeline, and the batches they carried (for stats and tests) */
  readonly counters = { groups: 0, batches: 0 };

  constructor(
    private readonly pipeline: Pick<Pipeline, "emitAndCommit">,
    /** when to flush what has gathered: after this turn's I/O callbacks (setImmediate) */
    private readonly defer: (fn: () => void) => void = (fn) => setImmediate(fn),
  ) {}

  /** Resolves once the batch is committed (with the others of its turn). */
  emitAndCommit(batch: SourceBatch): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ batch, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      this.defer(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    const group = this.waiting;
    this.waiting = [];
    if (group.length === 0) return;
    this.counters.groups++;
    this.counters.batches += group.length;
    const merged: SourceBatch =
      group.length === 1
        ? group[0].batch
        : {
            events: group.flatMap((w) => w.batch.events),
            checkpoints: group.flatMap((w) => w.batch.checkpoints),
          };
    this.pipeline.emitAndCommit(merged).then(
      () => {
        for (const w of group) w.resolve();
      },
      (err) => {
        for (const w of group) w.reject(err);
      },
    );
  }
}
