/**
 * One jail as a part of the daemon: its filter, its jail state machine fed by the pipeline, its firewall
 * action and its ban manager. Every ban and unban becomes an event in `mamori/bans` and, for the jail's
 * `notify` topics, a notice. A jail whose config changed on reload takes over the failure counter of the
 * one it replaces, with no gap: the new jail is fed from the moment the old one stops being fed.
 */
import type { Logger } from "pino";
import { createAction } from "../actions/index.js";
import type { BanAction } from "../actions/types.js";
import type { JailConfig } from "../config/schema.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import type { StoredEvent } from "../core/event.js";
import { readFilterDefinition } from "../fail2ban/filter-reader.js";
import type { Publisher } from "../notify/types.js";
import type { DetectionSink } from "../pipeline/detections.js";
import type { EventConsumer, Pipeline } from "../pipeline/pipeline.js";
import type { Service } from "../service.js";
import type { Store } from "../store/store.js";
import { type BanChange, BanManager } from "./ban-manager.js";
import { defaultFilter, filterSpec } from "./filters.js";
import { buildIgnoreList, IgnoreList, type OwnAddresses, type Resolver } from "./ignore.js";
import { type BanTicket, Jail, JailConsumer, type JailFilter, type TicketSink } from "./jail.js";
import { BANS_GROUP, banEvent, banNotification, driftEvent } from "./notice.js";

export { defaultFilter, filterSpec };

/** What tests (and the latency bench) may replace. */
export interface JailDeps {
  resolver?: Resolver;
  ownAddresses?: OwnAddresses;
  rng?: () => number;
  /** store poll period for CLI changes, ms */
  pollMs?: number;
  /** firewall check period, ms (default: the jail's firewall_check) */
  checkMs?: number;
  /** the longest the failure counters `mamori jails status` reads may lag behind, ms (default 1000) */
  statsDelayMs?: number;
  /** run firewall commands inside this network namespace */
  netns?: string;
  loadFilter?: (jail: JailConfig) => JailFilter;
  createAction?: (jail: JailConfig, log: Logger) => BanAction;
}

/** What a jail part is given: the daemon's shared pieces, as arguments. */
export interface JailPartEnv {
  store: Pick<Store, "bans">;
  clock: Clock;
  log: Logger;
  hostname: string;
  /** relative paths in the config (filter files, hosts_deny) are relative to this folder */
  configDir: string;
  filterDirs: readonly string[];
  /** filters already compiled by jail name; a jail not in it loads its own */
  jailFilters?: ReadonlyMap<string, JailFilter>;
  pipeline: Pick<Pipeline, "addConsumer" | "removeConsumer">;
  publisher: Publisher;
  detections: DetectionSink;
}

/** A built jail: the service the daemon runs, and what tests look into. */
export interface JailPart extends Service {
  config: JailConfig;
  filter: JailFilter;
  jail: Jail;
  consumer: JailConsumer;
  manager: BanManager;
  /** Stops feeding this jail and returns its failure counter (the jail replacing it takes it over). */
  handOver(): Jail["counter"];
}

/**
 * What decides how a jail runs: its config, the settings its filter and action read, and the filter's
 * definition as its files say now (a SIGHUP after editing filter.d/NAME.local reloads that jail).
 */
export function jailFingerprint(
  cfg: JailConfig,
  env: Pick<JailPartEnv, "configDir" | "filterDirs" | "hostname">,
  deps: Pick<JailDeps, "loadFilter"> = {},
  compiled?: JailFilter,
): string {
  const filter = deps.loadFilter
    ? null
    : (compiled?.definition ??
      readFilterDefinition({
        filter: filterSpec(cfg, env.configDir),
        mode: cfg.mode,
        filterDirs: [...env.filterDirs],
      }));
  return JSON.stringify({ cfg, dir: env.configDir, filterDirs: env.filterDirs, host: env.hostname, filter });
}

/** Holds ban tickets until the ban manager has started (the jail is fed before that). */
class TicketGate implements TicketSink {
  private target?: TicketSink;
  private readonly held: BanTicket[] = [];
  enqueue(t: BanTicket): void {
    if (this.target) this.target.enqueue(t);
    else if (this.held.length < 10_000) this.held.push(t);
  }
  open(target: TicketSink): void {
    this.target = target;
    for (const t of this.held.splice(0)) target.enqueue(t);
  }
  close(): void {
    this.target = undefined;
  }
}

/**
 * Builds a jail (its filter is loaded and its action created now; nothing runs until start). With
 * `previous`, start() takes over that jail: its failure counter, then stops it.
 */
export function buildJailPart(
  cfg: JailConfig,
  env: JailPartEnv,
  deps: JailDeps = {},
  previous?: JailPart,
): JailPart {
  const log = env.log.child({ jail: cfg.name });
  const filter = deps.loadFilter
    ? deps.loadFilter(cfg)
    : (env.jailFilters?.get(cfg.name) ?? defaultFilter(cfg, env));
  const action = deps.createAction
    ? deps.createAction(cfg, log)
    : createAction({
        jail: cfg,
        log,
        netns: deps.netns,
        removeOnStop: cfg.remove_on_stop,
      });
  const onChange = (change: BanChange) => {
    const event = banEvent(change, env.hostname, env.clock.now());
    env.detections.emit(BANS_GROUP, event);
    if (change.action === "unban" && !cfg.notify_unban) return;
    const notice = banNotification(event, change.record.lines);
    for (const topic of cfg.notify) env.publisher.publish(topic, notice);
  };
  const manager = new BanManager({
    jail: cfg,
    action,
    store: env.store.bans,
    clock: env.clock,
    log,
    onChange,
    // a firewall that lost mamori's state or bans is an event too: it is protection that was off
    onDrift: (drift) => env.detections.emit(BANS_GROUP, driftEvent(drift, env.hostname)),
    rng: deps.rng,
    pollMs: deps.pollMs,
    checkMs: deps.checkMs ?? cfg.firewall_check * 1000,
  });
  // Until start() resolves host names, the addresses and CIDRs written in ignoreip already apply.
  const jail = new Jail(
    { name: cfg.name, maxretry: cfg.maxretry, findtime: cfg.findtime, banPrefixV6: cfg.ban_prefix_v6 },
    new IgnoreList(cfg.ignoreip),
    (t) => manager.isBanned(t),
  );
  const gate = new TicketGate();
  const consumer = new JailConsumer(cfg.group, filter, jail, gate, () => env.clock.now(), log);
  const stats = statsSaver(cfg.name, jail, env, log, deps.statsDelayMs ?? 1000);
  // the pipeline names the filter when a line runs over its budget, and skips groups the jail does not read
  const feed: EventConsumer = {
    name: consumer.name,
    filterName: consumer.filterName,
    wants: (group) => consumer.wants(group),
    unguarded: filter.precomputed === true,
    onEvents(events: readonly StoredEvent[]) {
      const before = jail.counter.totalFailed;
      consumer.onEvents(events);
      if (jail.counter.totalFailed !== before) stats.soon();
    },
  };
  let fed = false;
  const attach = () => {
    if (fed) return;
    env.pipeline.addConsumer(feed);
    fed = true;
  };
  const detach = () => {
    if (!fed) return;
    env.pipeline.removeConsumer(feed.name);
    fed = false;
  };
  let takeOver = previous;

  return {
    name: `jail:${cfg.name}`,
    takesOver: previous !== undefined,
    config: cfg,
    filter,
    jail,
    consumer,
    manager,
    handOver() {
      detach();
      return jail.counter;
    },
    async start() {
      const replaced = takeOver;
      takeOver = undefined;
      if (replaced) {
        // in one step: the old jail stops being fed, this one starts, with the failures counted so far
        jail.counter.adopt(replaced.handOver());
        attach();
        await replaced.stop();
      } else attach();
      jail.setIgnoreList(
        await buildIgnoreList({
          ignoreip: cfg.ignoreip,
          ignoreself: cfg.ignoreself,
          resolver: deps.resolver,
          ownAddresses: deps.ownAddresses,
          onUnresolved: (host, err) =>
            log.warn({ host, err: errorMessage(err) }, "ignoreip: %s does not resolve; it is skipped", host),
        }),
      );
      try {
        await stats.start();
        await manager.start();
      } catch (err) {
        detach();
        stats.stop();
        throw err;
      }
      gate.open(manager);
      log.info(
        {
          filter: filter.name,
          group: cfg.group,
          action: action.name,
          maxretry: cfg.maxretry,
          findtime: cfg.findtime,
          bantime: cfg.bantime,
          restored: manager.bans().length,
          ...(replaced ? { tookOverFailures: jail.counter.size } : {}),
        },
        "jail %s started",
        cfg.name,
      );
    },
    async stop() {
      detach();
      gate.close();
      await stats.flush();
      stats.stop();
      await manager.stop();
    },
    stats: () => ({
      ...consumer.counters,
      currentlyFailed: jail.counter.size,
      currentlyBanned: manager.bans().length,
      ...manager.counters,
    }),
  };
}

/**
 * The failure counters `mamori jails status` reads: written within `delayMs` of a failure (at most once
 * per `delayMs`, not once per failure line), after pruning shows a change, and on stop.
 */
function statsSaver(
  name: string,
  jail: Jail,
  env: Pick<JailPartEnv, "store" | "clock">,
  log: Logger,
  delayMs: number,
) {
  let carried = 0;
  let started = false;
  let timer: TimerHandle | undefined;
  let pruner: TimerHandle | undefined;
  let saved = { current: -1, total: -1 };
  const save = async () => {
    timer?.cancel();
    timer = undefined;
    jail.prune(env.clock.now());
    const current = jail.counter.size;
    const total = carried + jail.counter.totalFailed;
    if (current === saved.current && total === saved.total) return;
    saved = { current, total };
    await env.store.bans.putJailStats({
      jail: name,
      currentlyFailed: current,
      totalFailed: total,
      updatedAt: env.clock.now(),
    });
  };
  const saveLogged = () =>
    save().catch((err) => log.error({ err: errorMessage(err) }, "saving jail counters failed"));
  return {
    async start() {
      // the stored total includes what this jail counted before (a jail restarted after a failed reload)
      const stored = (await env.store.bans.jailStats(name))[0]?.totalFailed ?? 0;
      carried = Math.max(0, stored - jail.counter.totalFailed);
      started = true;
      // failures age out of findtime without a new line: look now and then
      pruner = env.clock.setInterval(() => void saveLogged(), Math.max(delayMs, 5000));
    },
    soon() {
      if (!timer) timer = env.clock.setTimeout(() => void saveLogged(), delayMs);
    },
    flush: () => (started ? saveLogged() : Promise.resolve()),
    stop() {
      started = false;
      timer?.cancel();
      timer = undefined;
      pruner?.cancel();
      pruner = undefined;
    },
  };
}
