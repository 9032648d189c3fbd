/**
 * Signalling child processes safely. A ChildProcess whose spawn failed with EMFILE or ENFILE keeps its
 * handle with pid 0, and `child.kill()` then calls kill(0, signal): the signal goes to this process's
 * whole process group — the daemon itself and, under systemd or a test runner, everything started with
 * it. spawn's own `timeout` and `signal` options kill the same way when their time comes, so callers
 * arm their own timeout and kill through here.
 */
import type { ChildProcess } from "node:child_process";

/** Sends `signal` to the child only when a process was really started; false when there is none. */
export function killChild(child: ChildProcess | undefined, signal: NodeJS.Signals): boolean {
  if (child?.pid === undefined || child.pid <= 0) return false;
  try {
    return child.kill(signal);
  } catch {
    return false; // exited meanwhile
  }
}

/**
 * Kills the child with SIGKILL once `ms` have passed (unless it closed first); returns the cancel.
 * AbortSignal.timeout's timer is unref'd: a pending timeout never holds a process open.
 */
export function killAfter(child: ChildProcess, ms: number, onKilled?: () => void): () => void {
  const signal = AbortSignal.timeout(ms);
  const onTimeout = () => {
    if (killChild(child, "SIGKILL")) onKilled?.();
  };
  signal.addEventListener("abort", onTimeout, { once: true });
  const cancel = () => signal.removeEventListener("abort", onTimeout);
  child.once("close", cancel);
  return cancel;
}
