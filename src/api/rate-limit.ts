/**
 * Failed logins, counted per client address and per user name over a sliding window: past the limit, a
 * login answers 429 (without checking the password) until the oldest failure leaves the window. Bounded:
 * the least recently seen keys are forgotten first.
 */
import type { Clock } from "../core/clock.js";
import { LruMap } from "../core/lru.js";

export interface LoginLimits {
  /** failures per address within `windowMs` */
  perAddress: number;
  /** failures per user name within `windowMs` */
  perUser: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAddress: 10, perUser: 5, windowMs: 15 * 60_000 };

class FailureWindow {
  private readonly map = new LruMap<string, number[]>(10_000);

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** ms until another attempt is allowed; 0 = allowed now */
  waitMs(key: string, now: number): number {
    const times = this.recent(key, now);
    return times.length >= this.max ? times[0] + this.windowMs - now : 0;
  }

  fail(key: string, now: number): void {
    const times = this.recent(key, now);
    times.push(now);
    this.map.set(key, times.slice(-this.max));
  }

  clear(key: string): void {
    this.map.set(key, []);
  }

  private recent(key: string, now: number): number[] {
    return (this.map.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }
}

export class LoginLimiter {
  private readonly byAddress: FailureWindow;
  private readonly byUser: FailureWindow;

  constructor(
    private readonly clock: Clock,
    limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {
    this.byAddress = new FailureWindow(limits.perAddress, limits.windowMs);
    this.byUser = new FailureWindow(limits.perUser, limits.windowMs);
  }

  /** Seconds to wait when address or user is over its limit, else 0. */
  retryAfter(address: string, user: string): number {
    const now = this.clock.now();
    const ms = Math.max(this.byAddress.waitMs(address, now), this.byUser.waitMs(user.toLowerCase(), now));
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  failed(address: string, user: string): void {
    const now = this.clock.now();
    this.byAddress.fail(address, now);
    this.byUser.fail(user.toLowerCase(), now);
  }

  succeeded(user: string): void {
    this.byUser.clear(user.toLowerCase());
  }
}
