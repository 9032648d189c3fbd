/** FIM events go through the pipeline like any source's lines, their baseline rows as its checkpoints. */
import type { Clock } from "../../core/clock.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import { FIM_GROUP } from "./events.js";
import type { FimCommit } from "./scanner.js";

export function pipelineCommit(
  pipeline: Pick<Pipeline, "emitAndCommit">,
  clock: Clock,
  stream: () => string,
): FimCommit {
  return (events, checkpoints) => {
    const now = clock.now();
    return pipeline.emitAndCommit({
      events: events.map((e) => ({
        group: FIM_GROUP,
        stream: stream(),
        timestamp: now,
        ingestTime: now,
        message: JSON.stringify(e),
      })),
      checkpoints,
    });
  };
}
