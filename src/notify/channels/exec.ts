/**
 * Runs a program with the notification JSON on stdin: argv as configured, never a shell. Exit code 0 is
 * success; anything else (or the publisher's timeout, which kills it) is a failed attempt.
 */
import { spawn } from "node:child_process";
import type { SubscriptionConfig } from "../../config/schema.js";
import { killChild } from "../../core/child.js";
import { jsonBody } from "../render.js";
import type { Channel, ChannelDeps } from "./types.js";

const STDERR_KEEP = 500;

export function execChannel(sub: Extract<SubscriptionConfig, { type: "exec" }>, _deps: ChannelDeps): Channel {
  const [program, ...args] = sub.command;
  return {
    id: `exec:${program}`,
    send(n, ctx, signal) {
      return new Promise<void>((resolve, reject) => {
        const failed = (err: NodeJS.ErrnoException) => {
          signal.removeEventListener("abort", onAbort);
          reject(new Error(`${program}: ${err.code ?? err.message}`));
        };
        const onAbort = () => killChild(child, "SIGKILL");
        // When spawn cannot make the process (EMFILE, ENFILE, ENOENT) it may throw, or return a child
        // without pipes and emit 'error' later: the pipes are touched only once they exist.
        let child: ReturnType<typeof spawn> | undefined;
        try {
          child = spawn(program, args, {
            stdio: ["pipe", "ignore", "pipe"],
            shell: false,
            env: { ...process.env, MAMORI_TOPIC: ctx.topic, MAMORI_EVENT: n.kind },
          });
        } catch (err) {
          failed(err as NodeJS.ErrnoException);
          return;
        }
        child.on("error", failed);
        if (!child.stderr || !child.stdin) {
          killChild(child, "SIGKILL"); // never child.kill: without a process it signals our own group
          return;
        }
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
          stderr = (stderr + d).slice(-STDERR_KEEP);
        });
        signal.addEventListener("abort", onAbort, { once: true });
        child.stdin.on("error", () => {}); // a program that does not read stdin is fine
        child.stdin.end(`${jsonBody(n)}\n`);
        child.on("close", (code, sig) => {
          signal.removeEventListener("abort", onAbort);
          if (signal.aborted) reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
          else if (code === 0) resolve();
          else
            reject(new Error(`${program} exited with ${code ?? sig}${stderr ? `: ${stderr.trim()}` : ""}`));
        });
      });
    },
  };
}
