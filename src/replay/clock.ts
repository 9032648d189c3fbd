/**
 * The replay's clock: a ManualClock that also tells whether a timer fired since it was last asked. The
 * replay lets due work run (settles the event loop) after it moves time, which it does once per second
 * of log; a second in which no timer fired and no batch was stored has no work to wait for, and
 * settling anyway (three turns of the event loop) was a tenth of a replay.
 */
import { ManualClock, type TimerHandle } from "../core/clock.js";

export class ReplayClock extends ManualClock {
  private fired = false;

  override setTimeout(fn: () => void, ms: number): TimerHandle {
    return super.setTimeout(() => {
      this.fired = true;
      fn();
    }, ms);
  }

  override setInterval(fn: () => void, ms: number): TimerHandle {
    return super.setInterval(() => {
      this.fired = true;
      fn();
    }, ms);
  }

  /** Whether a timer fired since the last call. */
  takeFired(): boolean {
    const fired = this.fired;
    this.fired = false;
    return fired;
  }
}
