import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { execRunner } from "./runner.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");

describe("the command runner: a program that cannot start is an ordinary error", () => {
  it("ENOENT: a missing binary rejects with what to install", async () => {
    await assert.rejects(
      execRunner().run(["/nonexistent/mamori-no-such-tool", "x"]),
      /\/nonexistent\/mamori-no-such-tool is not installed or not in PATH/,
    );
  });

  it("EMFILE: with no descriptor left, the runner, the exec channel, the audit and the command source fail cleanly; nothing signals the process group", (t) => {
    // in a session of its own (setsid): a regression that signals pid 0 — the process group, as
    // child.kill() does after a failed spawn — kills only the child and fails here, not the test runner
    const out = execFileSync(
      "setsid",
      [
        "--wait",
        "prlimit",
        "--nofile=96:96",
        process.execPath,
        "--import",
        "tsx",
        path.join(here, "testing", "fd-exhaustion.ts"),
      ],
      { cwd: repo, encoding: "utf8", timeout: 60_000 },
    );
    const r = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
    if (r.notEnforced) {
      t.skip(`prlimit --nofile=96 is not enforced here: ${r.notEnforced} files opened without EMFILE`);
      return;
    }
    assert.ok(Number(r.exhaustedAt) > 0, out);
    assert.match(String(r.runner), /^rejected: could not run true: .*EMFILE/);
    assert.match(String(r.channel), /^rejected: true: EMFILE/);
    assert.match(String(r.audit), /^cannot run true: .*EMFILE/);
    assert.equal(r.commandSource, "stopped", "stopping a command source whose program never started");
    assert.match(String(r.halfSpawned), /^(spawn threw|pid undefined, killChild signalled no one)$/);
  });
});
