/**
 * How actions run firewall commands: argv arrays only (never a shell), an optional script on stdin
 * (`nft -f -`), an optional network namespace prefix (`ip netns exec NS`) for tests and benches.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { killAfter, killChild } from "../core/child.js";
import { ActionError } from "./types.js";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** written to the command's stdin */
  input?: string;
}

export interface CommandRunner {
  /** Runs argv; resolves with the exit code (non-zero is not thrown), rejects when it cannot start. */
  run(argv: readonly string[], opts?: RunOptions): Promise<CommandResult>;
}

const TIMEOUT_MS = 15_000;
const MAX_OUTPUT = 1 << 20;

/** Where Debian puts the tools, for daemons started with a PATH without /usr/sbin. */
const EXTRA_PATH = "/usr/local/sbin:/usr/sbin:/sbin";

export function execRunner(opts: { netns?: string } = {}): CommandRunner {
  const prefix = opts.netns ? ["ip", "netns", "exec", opts.netns] : [];
  const env = { ...process.env, PATH: `${process.env.PATH ?? "/usr/bin:/bin"}:${EXTRA_PATH}` };
  return {
    run(argv, runOpts = {}) {
      const full = [...prefix, ...argv];
      return new Promise((resolve, reject) => {
        const failed = (err: NodeJS.ErrnoException) =>
          reject(
            new ActionError(
              err.code === "ENOENT"
                ? `${full[0]} is not installed or not in PATH: install it (Debian: apt-get install ${packageOf(full[0])})`
                : `could not run ${full[0]}: ${err.message}`,
            ),
          );
        const child = spawnSafely(full, env, failed);
        if (!child) return;
        let timedOut = false;
        killAfter(child, TIMEOUT_MS, () => {
          timedOut = true;
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
          if (stdout.length < MAX_OUTPUT) stdout += d;
        });
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
          if (stderr.length < MAX_OUTPUT) stderr += d;
        });
        child.on("close", (code, signal) => {
          if (timedOut) stderr = `${stderr}did not finish within ${TIMEOUT_MS / 1000} s and was killed`;
          resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
        });
        child.stdin.on("error", () => {}); // the command may exit without reading its input
        child.stdin.end(runOpts.input ?? "");
      });
    },
  };
}

/**
 * spawn() with its failures as one callback: when the process cannot be made (EMFILE, ENFILE, EAGAIN,
 * ENOENT) Node may throw, or return a child without pipes and emit 'error' later; touching the missing
 * pipes would throw outside any handler and take the daemon down. Undefined = `failed` was or will be called.
 */
function spawnSafely(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  failed: (err: NodeJS.ErrnoException) => void,
): ChildProcessWithoutNullStreams | undefined {
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(argv[0], argv.slice(1), {
      stdio: ["pipe", "pipe", "pipe"],
      env,
      // no `timeout` or `signal` here: after a spawn that failed (EMFILE) Node would kill pid 0, this
      // process's whole group, when they fire (src/core/child.ts); run() arms its own timeout
    });
  } catch (err) {
    failed(err as NodeJS.ErrnoException);
    return undefined;
  }
  child.on("error", failed);
  if (!child.stdout || !child.stderr || !child.stdin) {
    // 'error' follows (or came already); nothing else may run. Kill in case a process did start:
    // killChild, never child.kill, which signals our own process group when none did.
    killChild(child, "SIGKILL");
    return undefined;
  }
  return child;
}

function packageOf(cmd: string): string {
  const known: Record<string, string> = {
    nft: "nftables",
    ipset: "ipset",
    iptables: "iptables",
    ip6tables: "iptables",
    ip: "iproute2",
  };
  return known[cmd] ?? cmd;
}

/** Runs argv and throws an ActionError naming the command and its stderr when it exits non-zero. */
export async function runChecked(
  runner: CommandRunner,
  argv: readonly string[],
  opts?: RunOptions,
): Promise<CommandResult> {
  return throwIfFailed(argv, await runner.run(argv, opts), opts);
}

/** The result when the command exited 0; else the ActionError runChecked throws. */
export function throwIfFailed(argv: readonly string[], r: CommandResult, opts?: RunOptions): CommandResult {
  if (r.code !== 0) {
    const what = opts?.input
      ? `${argv.join(" ")} (script: ${opts.input.trim().split("\n").slice(0, 20).join("; ")})`
      : argv.join(" ");
    throw new ActionError(
      `${what} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim() || "no output"}`,
    );
  }
  return r;
}
