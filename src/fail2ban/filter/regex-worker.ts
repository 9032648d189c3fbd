/**
 * The worker thread of a split `mamori regex` run (see regex-tail.ts): counts the lines of the file from a
 * byte offset on, from a fresh state, and posts checkpoints (state key and counts) every `every` lines
 * for the first `checkpoints` of them, then its counts and line lists at the end.
 */
import { parentPort, workerData } from "node:worker_threads";
import { SystemClock } from "../../core/clock.js";
import { eachLineOfFile } from "../../core/file-lines.js";
import { type RegexRunOptions, startRegexRun } from "./regex-run.js";

export interface TailJob {
  filter: string;
  options: Omit<RegexRunOptions, "now">;
  file: string;
  from: number;
  every: number;
  checkpoints: number;
}

export type TailMessage =
  | { kind: "checkpoint"; checkpoint: import("./regex-run.js").RegexCheckpoint }
  | {
      kind: "end";
      searches: number;
      /** the run's result without its definition and matches (the main thread has its own) */
      result: Omit<import("./regex-run.js").RegexRunResult, "definition" | "matches">;
    };

function main(job: TailJob): void {
  const port = parentPort;
  if (!port) return;
  const clock = new SystemClock();
  const run = startRegexRun(job.filter, { ...job.options, now: () => clock.now(), rows: false });
  let n = 0;
  let sent = 0;
  const post = (m: TailMessage) => port.postMessage(m);
  eachLineOfFile(
    job.file,
    (line) => {
      if (sent < job.checkpoints && n % job.every === 0) {
        post({ kind: "checkpoint", checkpoint: run.checkpoint() });
        sent++;
      }
      n++;
      run.push(line);
    },
    { from: job.from },
  );
  const { definition: _d, matches: _m, ...result } = run.result;
  post({ kind: "end", searches: run.checkpoint().searches, result });
}

main(workerData as TailJob);
