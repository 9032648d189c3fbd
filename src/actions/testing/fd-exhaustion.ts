/**
 * Run as a child process under a low RLIMIT_NOFILE (`prlimit --nofile=N`): opens files until the
 * process has no descriptor left, then asks the action runner and the exec notification channel to
 * start a program. Prints one JSON line with what each did; a crash (the old `Unhandled 'error' event …
 * spawn EMFILE`) prints nothing and exits non-zero.
 */
import fs from "node:fs";
import { execChannel } from "../../notify/channels/exec.js";
import { testNotification } from "../../notify/render.js";
import { execRunner } from "../runner.js";

// Bounded: where RLIMIT_NOFILE is not enforced (some sandboxes) an endless loop would open files until
// the machine runs out of memory; past the cap the script says so and the test reports it.
const MAX_OPEN = 4096;
const held: number[] = [];
let exhausted = false;
try {
  while (held.length < MAX_OPEN) held.push(fs.openSync("/dev/null", "r"));
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== "EMFILE") throw err;
  exhausted = true;
}
if (!exhausted) {
  for (const fd of held) fs.closeSync(fd);
  process.stdout.write(`${JSON.stringify({ exhaustedAt: 0, notEnforced: MAX_OPEN })}\n`);
  process.exit(0);
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => "resolved",
    (err: unknown) => `rejected: ${err instanceof Error ? err.message : String(err)}`,
  );

const runner = await outcome(execRunner().run(["true"]));
const channel = await outcome(
  execChannel({ type: "exec", command: ["true"] } as Parameters<typeof execChannel>[0], {}).send(
    testNotification({ text: "fd exhaustion", time: "2026-12-02T00:00:00.000Z", host: "h" }),
    { topic: "t", host: "h" },
    new AbortController().signal,
  ),
);
for (const fd of held) fs.closeSync(fd);
process.stdout.write(`${JSON.stringify({ exhaustedAt: held.length, runner, channel })}\n`);
