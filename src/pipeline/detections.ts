/**
 * Detections are events: a ban, an alarm state change (and later a file change or a finding) becomes a
 * JSON line in its own `mamori/*` log group, through the same pipeline as any source's lines, so metric
 * filters, alarms, jails and `mamori logs` see it unchanged. Emitting never waits and never throws: a
 * detection must not stall the part that made it (a jail on `mamori/bans` feeds on its own output).
 */
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { Pipeline } from "./pipeline.js";

export interface DetectionSink {
  /** Writes `record` as one JSON event in `group`, stamped with the clock's time. */
  emit(group: string, record: object): void;
}

export function detectionSink(o: {
  pipeline: Pick<Pipeline, "emit">;
  clock: Clock;
  /** the stream the events go to: this host's name (read at each event: a reload may change it) */
  stream: () => string;
  log: Logger;
}): DetectionSink {
  return {
    emit(group, record) {
      const now = o.clock.now();
      const event = {
        group,
        stream: o.stream(),
        timestamp: now,
        ingestTime: now,
        message: JSON.stringify(record),
      };
      o.pipeline
        .emit({ events: [event], checkpoints: [] })
        .then(({ committed }) => committed)
        .catch((err) => o.log.error({ err: errorMessage(err), group }, "could not store a detection event"));
    },
  };
}
