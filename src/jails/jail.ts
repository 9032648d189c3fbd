/**
 * A jail as a pure state machine (like a Prometheus rule: `failures, now → ban?`): it validates each
 * failure's address again, skips ignored ones and failures older than findtime, counts the rest per
 * target and says when a target reaches maxretry. It never waits and never touches the firewall:
 * JailConsumer hands the ban tickets to the ban manager's queue.
 */
import type { Logger } from "pino";
import { parseTarget } from "../actions/target.js";
import type { StoredEvent } from "../core/event.js";
import { ipFamily, ipv6Prefix, normalizeIp } from "../core/ip.js";
import type { Failure, FilterResult, JailFilter } from "../fail2ban/filter/index.js";
import type { EventConsumer } from "../pipeline/pipeline.js";
import { FailureCounter } from "./failures.js";
import { banRefusal } from "./guard.js";
import type { IgnoreList } from "./ignore.js";

export type { Failure, FilterResult, JailFilter };

export interface JailSettings {
  name: string;
  maxretry: number;
  /** seconds */
  findtime: number;
  /** ban the /N of an IPv6 attacker instead of the single address */
  banPrefixV6?: number;
}

/** Enough to ban: the target (address or IPv6 prefix), the address seen, and why. */
export interface BanTicket {
  jail: string;
  target: string;
  ip: string;
  failures: number;
  /** the log lines of the counted failures (at most 10) */
  lines: string[];
  /** time of the last failure, ms */
  time: number;
}

export type Verdict =
  | { kind: "ban"; ticket: BanTicket }
  | { kind: "counted"; target: string; failures: number }
  | { kind: "invalid" }
  /** reason: set when the target is one no ban may cover (see guard.ts), unset for the ignore list */
  | { kind: "ignored"; ip: string; reason?: string }
  | { kind: "too-old" }
  | { kind: "already-banned"; target: string };

/**
 * An address as a filter gave it: its canonical form (undefined: not an address), and what the ignore
 * list and the ban guard say of it (target undefined: ignored for a prefix).
 */
interface Screening {
  ip?: string;
  listed: boolean;
  target?: string;
  refusal?: string;
}

/** addresses whose screening is remembered; the memory is dropped whole when full (cheaper than an LRU) */
const SCREENED_MAX = 10_000;

export class Jail {
  readonly counter: FailureCounter;
  private readonly findtimeMs: number;
  /**
   * The screening of each address seen lately, by the text the filter gave (and, apart, by prefix and
   * text): an attacker fails many times, and parsing its address again (to check and canonicalize it,
   * then for the ignore list and the guard) was a sixth of a jail's time per failure
   */
  private readonly screened = new Map<string, Screening>();
  private readonly screenedWithPrefix = new Map<string, Screening>();

  constructor(
    readonly settings: JailSettings,
    private ignore: IgnoreList,
    /** whether a target is banned right now (or its ban is on its way) */
    private readonly isBanned: (target: string) => boolean,
  ) {
    this.findtimeMs = settings.findtime * 1000;
    this.counter = new FailureCounter({ maxretry: settings.maxretry, findtimeMs: this.findtimeMs });
  }

  setIgnoreList(list: IgnoreList): void {
    this.ignore = list;
    this.screened.clear();
    this.screenedWithPrefix.clear();
  }

  /** One failure at `now` (the jail's clock): what happens to it. */
  onFailure(f: Failure, now: number): Verdict {
    if (typeof f.ip !== "string") return { kind: "invalid" };
    const s = this.screen(f.ip, f.prefix);
    const ip = s.ip;
    if (!ip) return { kind: "invalid" };
    if (s.listed) return { kind: "ignored", ip };
    if (f.time < now - this.findtimeMs) return { kind: "too-old" };
    const target = s.target;
    if (target === undefined) return { kind: "ignored", ip };
    if (s.refusal) return { kind: "ignored", ip, reason: s.refusal };
    if (this.isBanned(target)) return { kind: "already-banned", target };
    const count = this.counter.add(target, f.time, f.lines);
    if (count < this.settings.maxretry) return { kind: "counted", target, failures: count };
    const rec = this.counter.get(target);
    this.counter.reset(target);
    return {
      kind: "ban",
      ticket: {
        jail: this.settings.name,
        target,
        ip,
        failures: count,
        lines: rec?.lines ?? [],
        time: rec?.newest ?? f.time,
      },
    };
  }

  /**
   * The canonical address of a filter's address text, and the ignore list's and the guard's answers
   * for it (they change only with the ignore list).
   */
  private screen(text: string, prefix: number | undefined): Screening {
    const memory = prefix === undefined ? this.screened : this.screenedWithPrefix;
    const key = prefix === undefined ? text : `${prefix}/${text}`;
    let s = memory.get(key);
    if (s === undefined) {
      const ip = normalizeIp(text);
      if (!ip) s = { listed: false };
      else if (this.ignore.contains(ip)) s = { ip, listed: true };
      else {
        const target = this.targetOf(ip, prefix);
        s = { ip, listed: false, target, refusal: target === undefined ? undefined : banRefusal(target) };
      }
      if (memory.size >= SCREENED_MAX) memory.clear();
      memory.set(key, s);
    }
    return s;
  }

  /** Forgets targets that have had no failure for findtime (bounded memory on a long run). */
  prune(now: number): void {
    this.counter.prune(now);
  }

  /**
   * The address; or the subnet the filter matched (undefined when it holds an ignored address); or the
   * IPv6 network when ban_prefix_v6 is set and that network holds no ignored address.
   */
  private targetOf(ip: string, filterPrefix?: number): string | undefined {
    if (filterPrefix !== undefined) {
      const subnet = parseTarget(`${ip}/${filterPrefix}`);
      if (!subnet) return undefined;
      return subnet.isPrefix && this.ignore.overlaps(subnet.text) ? undefined : subnet.text;
    }
    const bits = this.settings.banPrefixV6;
    if (!bits || bits >= 128 || ipFamily(ip) !== "ipv6") return ip;
    const prefix = ipv6Prefix(ip, bits);
    if (!prefix || this.ignore.overlaps(prefix)) return ip;
    return prefix;
  }
}

/** Where tickets go: the ban manager (its queue is asynchronous; this call is not). */
export interface TicketSink {
  enqueue(ticket: BanTicket): void;
}

export interface JailCounters {
  lines: number;
  matched: number;
  failures: number;
  invalid: number;
  ignored: number;
  tooOld: number;
  bans: number;
  errors: number;
}

/** Feeds a jail from the pipeline: events of its log group → filter → jail → ban tickets. */
export class JailConsumer implements EventConsumer {
  readonly name: string;
  readonly counters: JailCounters = {
    lines: 0,
    matched: 0,
    failures: 0,
    invalid: 0,
    ignored: 0,
    tooOld: 0,
    bans: 0,
    errors: 0,
  };

  get filterName(): string {
    return this.filter.name;
  }

  wants(group: string): boolean {
    return group === this.group;
  }

  constructor(
    readonly group: string,
    readonly filter: JailFilter,
    readonly jail: Jail,
    private readonly sink: TicketSink,
    private readonly now: () => number,
    private readonly log?: Logger,
  ) {
    this.name = `jail:${jail.settings.name}`;
  }

  onEvents(events: readonly StoredEvent[]): void {
    for (const e of events) {
      if (e.group !== this.group) continue;
      this.onLine(e.message, e.timestamp);
    }
  }

  /** One log line (also what tests and the latency bench call directly). */
  onLine(message: string, fallbackTime: number): void {
    this.counters.lines++;
    let result: FilterResult;
    try {
      result = this.filter.process(message, fallbackTime);
    } catch (err) {
      this.counters.errors++;
      this.log?.error(
        { err, jail: this.jail.settings.name },
        "the filter failed on a line; the line is skipped",
      );
      return;
    }
    if (result.matched) this.counters.matched++;
    const now = this.now();
    const failures = result.failures;
    // indexed: the iterator allocated a result object per failure
    for (let i = 0; i < failures.length; i++) {
      const f = failures[i];
      this.counters.failures++;
      const v = this.jail.onFailure(f, now);
      if (v.kind === "ban") {
        this.counters.bans++;
        this.sink.enqueue(v.ticket);
      } else if (v.kind === "invalid") this.counters.invalid++;
      else if (v.kind === "ignored") this.counters.ignored++;
      else if (v.kind === "too-old") this.counters.tooOld++;
    }
  }
}
