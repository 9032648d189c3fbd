/**
 * The one way tests wait for real I/O (sockets, files, child processes): bounded polling with a
 * deadline. Time that must pass is never waited for: tests advance a ManualClock instead.
 */
import net from "node:net";
import { setTimeout as delay } from "node:timers/promises";

/**
 * Polls fn until it returns something other than undefined/false, and returns that; fails after
 * timeoutMs naming what it waited for. Polls every `everyMs` (10 by default; more when fn is costly, as a
 * query of a busy store): a ref'd timer, unlike the Clock's, keeps the test process alive meanwhile.
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  everyMs = 10,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(everyMs);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}
