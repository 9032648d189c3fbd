/**
 * Run as a child process under a low RLIMIT_NOFILE (`prlimit --nofile=N`): opens files until the
 * process has no descriptor left, then asks the action runner and the exec notification channel to
 * start a program. Prints one JSON line with what each did; a crash (the old `Unhandled 'error' event …
 * spawn EMFILE`) prints nothing and exits non-zero.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { killChild } from "../../core/child.js";
import { ManualClock } from "../../core/clock.js";
import { readCommand } from "../../hids/audit/probes.js";
import { execChannel } from "../../notify/channels/exec.js";
import { testNotification } from "../../notify/render.js";
import { commandSourceSchema } from "../../sources/command/config.js";
import { command } from "../../sources/command/index.js";
import { testContext } from "../../sources/shared/testing/context.js";
import { execRunner } from "../runner.js";

// made before the descriptors run out (its store needs some)
const sourceCtx = testContext({ clock: new ManualClock(Date.UTC(2026, 11, 2)) });
const source = command.create(
  commandSourceSchema.parse({ type: "command", group: "g", command: ["true"] }),
  sourceCtx.ctx,
);

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
// a spawn that failed with EMFILE leaves a ChildProcess with pid 0 inside: child.kill() would signal
// this whole process group; killChild must signal no one
let halfSpawned = "spawn threw";
try {
  const c = spawn("true", [], { stdio: ["pipe", "pipe", "pipe"] });
  c.on("error", () => {});
  halfSpawned = `pid ${c.pid}, killChild ${killChild(c, "SIGKILL") ? "signalled" : "signalled no one"}`;
} catch {
  // EMFILE thrown at once: nothing to kill
}
const audit = await readCommand(["true"], 2000).then((r) => (r.ok ? "ran" : r.error));
// the source's program cannot start; stopping the source must end its run (and signal no one)
const ac = new AbortController();
const running = source.run(ac.signal);
await new Promise((r) => setImmediate(r));
ac.abort();
const gaveUp = AbortSignal.timeout(5000);
const commandSource = await Promise.race([
  running.then(() => "stopped"),
  new Promise((r) => gaveUp.addEventListener("abort", () => r("still running 5 s after stop"))),
]);
for (const fd of held) fs.closeSync(fd);
process.stdout.write(
  `${JSON.stringify({ exhaustedAt: held.length, runner, channel, audit, commandSource, halfSpawned })}\n`,
);
process.exit(0);
