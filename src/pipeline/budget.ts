/**
 * A time budget per log line, so one hostile line cannot freeze the daemon. A fail2ban failregex runs on
 * V8's backtracking engine (courier-auth's is exponential: 269 characters take seconds, each 2 more
 * characters ×4), and a filter pattern like `%a.{999}c%` costs line length × pattern size: neither can be
 * bounded by looking at the regex alone, and a regex cannot be interrupted from JavaScript.
 *
 * `vm`'s `timeout` can: Node's watchdog thread calls V8's TerminateExecution, which stops whatever
 * JavaScript runs — also a regex in the middle of backtracking — and the run ends with a catchable
 * error. A watchdog costs a thread start (tens of µs), so it guards a whole batch, never a single line;
 * work is a cursor of small steps, and when the watchdog fires the step in flight is known. A step that
 * used a whole budget by itself is skipped and reported; otherwise the steps before it were slow too, and
 * the run goes on from the step in flight under a fresh budget.
 */
import vm from "node:vm";
import type { Logger } from "pino";

/** How long one line may take in one filter (jail filter or metric filter) before it is skipped there. */
export const DEFAULT_LINE_BUDGET_MS = 250;

/** What is reported for a line that was stopped. */
export interface OverBudget {
  /** the part that ran it: `jail:sshd`, `metric-filters` */
  part: string;
  /** the filter that was stuck (fail2ban filter name, metric filter name) */
  filter: string;
  group: string;
  stream: string;
  lineLength: number;
  /** time spent on the line before it was stopped, ms */
  ms: number;
  budgetMs: number;
}

/** The one log line of a stopped line, from the live pipeline and from replay's filter thread alike. */
export function logOverBudget(log: Pick<Logger, "error">, r: OverBudget): void {
  log.error(
    { ...r },
    "%s: filter %s took over %d ms on a %d-character line of %s; it was stopped and the line skipped there (other filters and jails still see it)",
    r.part,
    r.filter,
    r.budgetMs,
    r.lineLength,
    r.group,
  );
}

/** A budget and where stopped lines are reported; passed to whatever runs filters over events. */
export interface LineBudget {
  readonly ms: number;
  /**
   * How many times a stopped step is run again under a budget 4 times the last before it is skipped
   * (default 0, live: a hostile line costs one budget). Replay sets it: there the budget only guards
   * against a pattern that never ends, and a machine merely busy (other processes, a long GC pause) must
   * not make a replay skip an ordinary line that an idle machine would have matched.
   */
  readonly retries?: number;
  overBudget(report: OverBudget): void;
}

let step: () => boolean = () => false;
let progressed = 0;
let finished = false;
let yieldAt = 0;
/**
 * The loop runs in this module (one call into the vm context per run, no per-step context switch). It
 * ends a run by itself after a quarter of the budget (checked after every step, ~40 ns), so the watchdog only fires
 * when steps are slow — never in the middle of ordinary work of a long batch, whose steps (counting,
 * queueing a ban) must not be cut in half.
 */
function loop(): void {
  while (step()) {
    progressed++;
    if (performance.now() > yieldAt) return;
  }
  finished = true;
}
const context = vm.createContext({ loop });
const script = new vm.Script("loop()");
let guarding = false;

/**
 * Runs `next` until it returns false, each run of it under a watchdog of `budgetMs`. When the watchdog
 * stops a run in which no step finished, the step is run again under a budget 4 times larger, up to
 * `retries` times; then `onStuck(ms)` is called: it must move the cursor past the step in flight (and
 * report it). Inside another guarded run the steps just run (the outer watchdog covers).
 */
export function runSteps(
  budgetMs: number,
  next: () => boolean,
  onStuck: (ms: number) => void,
  retries = 0,
): void {
  if (guarding) {
    while (next());
    return;
  }
  guarding = true;
  step = next;
  /** the budget of this run: a step stopped with no progress gets 4 times the last, `retries` times */
  let budget = budgetMs;
  let tries = 0;
  let stuckMs = 0;
  try {
    for (;;) {
      progressed = 0;
      finished = false;
      const t0 = performance.now();
      yieldAt = t0 + budget / 4;
      try {
        script.runInContext(context, { timeout: budget });
        if (finished) return;
        if (progressed > 0) [budget, tries, stuckMs] = [budgetMs, 0, 0];
        continue;
      } catch (err) {
        if ((err as { code?: string }).code !== "ERR_SCRIPT_EXECUTION_TIMEOUT") throw err;
      }
      if (progressed > 0) {
        [budget, tries, stuckMs] = [budgetMs, 0, 0];
        continue;
      }
      stuckMs += performance.now() - t0;
      if (tries < retries) {
        tries++;
        budget *= 4;
        continue;
      }
      onStuck(stuckMs);
      [budget, tries, stuckMs] = [budgetMs, 0, 0];
    }
  } finally {
    guarding = false;
    step = () => false;
  }
}
