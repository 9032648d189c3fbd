/** fail2ban's Utils.Cache for multi-line failure ids: FIFO-bounded, entries expire after maxTime. */
import type { Fail } from "./regex.js";

export class MlfidCache {
  private readonly cache = new Map<string, { v: Fail; until: number }>();

  constructor(
    private readonly maxCount: number,
    private readonly maxTimeMs: number,
  ) {}

  get(k: string, now: number): Fail | undefined {
    const e = this.cache.get(k);
    if (!e) return undefined;
    if (e.until > now) return e.v;
    this.cache.delete(k);
    return undefined;
  }

  set(k: string, v: Fail, now: number): void {
    if (this.cache.size >= this.maxCount) {
      for (const [ck, cv] of this.cache) {
        this.cache.delete(ck);
        if (cv.until > now && this.cache.size < this.maxCount) break;
      }
    }
    this.cache.set(k, { v, until: now + this.maxTimeMs });
  }

  unset(k: string): void {
    this.cache.delete(k);
  }
}
