import assert from "node:assert/strict";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ManualClock } from "../../core/clock.js";
import { waitFor } from "../../testing/wait.js";
import { testContext } from "../shared/testing/context.js";
import { captureLog } from "../shared/testing/log.js";
import { commandSourceSchema } from "./config.js";
import { command } from "./index.js";

function start(config: Record<string, unknown>) {
  const captured = captureLog();
  const clock = new ManualClock(Date.UTC(2023, 10, 25, 9, 0, 0));
  const t = testContext({ clock, log: captured.log });
  const source = command.create(commandSourceSchema.parse({ type: "command", group: "g", ...config }), t.ctx);
  const ac = new AbortController();
  const running = source.run(ac.signal);
  return {
    t,
    clock,
    source,
    captured,
    running,
    messages: async () => (await t.stored("g")).map((e) => e.message),
    /** until the program has exited and the restart is waiting on the clock */
    exited: (n: number) => waitFor(`exit ${n}`, () => source.stats().exits === n && clock.pending() > 0),
    stop: async () => {
      ac.abort();
      await running;
    },
  };
}

test("argv is passed as is (no shell), env and cwd apply, stderr lines are logged, a last line without newline counts", async () => {
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), "mamori-cmd-")));
  process.env.MAMORI_TEST_SECRET = "must not reach the program";
  const script = `
    console.log(JSON.stringify(process.argv.slice(1)));
    console.log(process.env.GREETING + " " + (process.env.MAMORI_TEST_SECRET ?? "no secret"));
    console.log(process.cwd());
    console.error("warning: disk almost full");
    process.stdout.write("no newline at the end");`;
  const s = start({
    command: [process.execPath, "-e", script, "$(id)", "a; rm -rf b"],
    env: { GREETING: "hi" },
    cwd: dir,
  });
  try {
    await s.exited(1);
    assert.deepEqual(await s.messages(), [
      JSON.stringify(["$(id)", "a; rm -rf b"]),
      "hi no secret",
      dir,
      "no newline at the end",
    ]);
    const stderr = s.captured.warnings("command stderr");
    assert.deepEqual(
      stderr.map((l) => l.stderr),
      ["warning: disk almost full"],
    );
    const exit = s.captured.warnings("the command exited");
    assert.equal(exit.length, 1);
    assert.equal(exit[0].code, 0);
    assert.equal(exit[0].retryInMs, 1000);
  } finally {
    delete process.env.MAMORI_TEST_SECRET;
    await s.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test("a program that exits is started again after 1 s, then 2 s, on the clock", async () => {
  const s = start({ command: [process.execPath, "-e", 'console.log("run"); process.exit(3)'] });
  try {
    await s.exited(1);
    assert.equal(s.captured.warnings("the command exited")[0].code, 3);
    s.clock.advance(999);
    assert.equal(s.source.stats().starts, 1, "not before the backoff");
    s.clock.advance(1);
    await s.exited(2);
    assert.equal(s.source.stats().starts, 2);
    s.clock.advance(1999);
    assert.equal(s.source.stats().starts, 2, "the backoff doubled");
    s.clock.advance(1);
    await s.exited(3);
    assert.deepEqual(await s.messages(), ["run", "run", "run"]);
  } finally {
    await s.stop();
  }
});

test("a program that cannot start is reported and retried, not a crash of the source", async () => {
  const s = start({ command: ["/nonexistent/program"] });
  try {
    await s.exited(1);
    const exit = s.captured.warnings("the command exited");
    assert.match(String(exit[0].error), /ENOENT/);
    s.clock.advance(1000);
    await s.exited(2); // tried again, and run() has not failed (stop() below awaits it)
  } finally {
    await s.stop();
  }
});
