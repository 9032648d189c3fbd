/**
 * The jails part of the daemon: for each enabled jail, its filter, its jail state machine fed by the
 * pipeline, its firewall action and its ban manager; one Service per jail. The daemon calls this
 * through src/parts.ts.
 */
import path from "node:path";
import type { Logger } from "pino";
import { createAction } from "../actions/index.js";
import type { BanAction } from "../actions/types.js";
import type { JailConfig } from "../config/schema.js";
import type { TimerHandle } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import { loadJailFilter } from "../fail2ban/filter/index.js";
import type { BuiltPart } from "../parts.js";
import type { Service, ServiceContext } from "../service.js";
import { BanManager } from "./ban-manager.js";
import type { FirewallDrift } from "./firewall-sync.js";
import { buildIgnoreList, IgnoreList, type OwnAddresses, type Resolver } from "./ignore.js";
import { Jail, JailConsumer, type JailFilter } from "./jail.js";

/** What tests (and the latency bench) may replace. */
export interface JailDeps {
  resolver?: Resolver;
  ownAddresses?: OwnAddresses;
  rng?: () => number;
  /** store poll period for CLI changes, ms */
  pollMs?: number;
  /** firewall check period, ms (default: the jail's firewall_check) */
  checkMs?: number;
  /** told about every difference found between the firewall and the stored bans */
  onDrift?: (drift: FirewallDrift) => void;
  /** how often failure counters are pruned and saved for `jails status`, ms */
  statsEveryMs?: number;
  /** run firewall commands inside this network namespace */
  netns?: string;
  loadFilter?: (jail: JailConfig, ctx: ServiceContext) => JailFilter;
  createAction?: (jail: JailConfig, log: Logger) => BanAction;
}

/** A built jail: what the service runs, and what tests look into. */
export interface JailRuntime {
  config: JailConfig;
  filter: JailFilter;
  jail: Jail;
  consumer: JailConsumer;
  manager: BanManager;
  service: Service;
}

export function configDir(ctx: Pick<ServiceContext, "configPath">): string {
  return ctx.configPath ? path.dirname(path.resolve(ctx.configPath)) : process.cwd();
}

/** Filter dirs as written in the config are relative to the config file's folder. */
export function filterDirsOf(ctx: Pick<ServiceContext, "config" | "configPath">): string[] {
  return ctx.config.filter_dirs.map((d) => path.resolve(configDir(ctx), d));
}

export function defaultFilter(
  cfg: JailConfig,
  ctx: Pick<ServiceContext, "config" | "configPath" | "clock">,
): JailFilter {
  const baseDir = configDir(ctx);
  const isPath = cfg.filter.includes("/") || cfg.filter.endsWith(".conf");
  return loadJailFilter({
    filter: isPath ? path.resolve(baseDir, cfg.filter) : cfg.filter,
    mode: cfg.mode,
    filterDirs: filterDirsOf(ctx),
    now: () => ctx.clock.now(),
  });
}

export function buildJail(ctx: ServiceContext, cfg: JailConfig, deps: JailDeps = {}): JailRuntime {
  const log = ctx.log.child({ jail: cfg.name });
  const filter = deps.loadFilter ? deps.loadFilter(cfg, ctx) : defaultFilter(cfg, ctx);
  const action = deps.createAction
    ? deps.createAction(cfg, log)
    : createAction({
        jail: cfg,
        log,
        netns: deps.netns,
        baseDir: configDir(ctx),
        removeOnStop: cfg.remove_on_stop,
      });
  const manager = new BanManager({
    jail: cfg,
    action,
    store: ctx.store.bans,
    clock: ctx.clock,
    log,
    publisher: ctx.publisher,
    hostname: ctx.hostname,
    rng: deps.rng,
    pollMs: deps.pollMs,
    checkMs: deps.checkMs ?? cfg.firewall_check * 1000,
    onDrift: deps.onDrift,
  });
  // Until start() resolves host names, the addresses and CIDRs written in ignoreip already apply.
  const jail = new Jail(
    { name: cfg.name, maxretry: cfg.maxretry, findtime: cfg.findtime, banPrefixV6: cfg.ban_prefix_v6 },
    new IgnoreList(cfg.ignoreip),
    (t) => manager.isBanned(t),
  );
  const consumer = new JailConsumer(cfg.group, filter, jail, manager, () => ctx.clock.now(), log);
  ctx.pipeline.addConsumer(consumer);
  let statsTimer: TimerHandle | undefined;
  let carriedFailed = 0;

  const saveStats = async () => {
    jail.prune(ctx.clock.now());
    await ctx.store.bans.putJailStats({
      jail: cfg.name,
      currentlyFailed: jail.counter.size,
      totalFailed: carriedFailed + jail.counter.totalFailed,
      updatedAt: ctx.clock.now(),
    });
  };

  const service: Service = {
    name: `jail:${cfg.name}`,
    async start() {
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
      carriedFailed = (await ctx.store.bans.jailStats(cfg.name))[0]?.totalFailed ?? 0;
      await manager.start();
      statsTimer = ctx.clock.setInterval(() => {
        saveStats().catch((err) => log.error({ err: errorMessage(err) }, "saving jail counters failed"));
      }, deps.statsEveryMs ?? 5000);
      log.info(
        {
          filter: filter.name,
          group: cfg.group,
          action: action.name,
          maxretry: cfg.maxretry,
          findtime: cfg.findtime,
          bantime: cfg.bantime,
          restored: manager.bans().length,
        },
        "jail %s started",
        cfg.name,
      );
    },
    async stop() {
      ctx.pipeline.removeConsumer(consumer.name);
      statsTimer?.cancel();
      await saveStats().catch((err) => log.error({ err: errorMessage(err) }, "saving jail counters failed"));
      await manager.stop();
    },
  };
  return { config: cfg, filter, jail, consumer, manager, service };
}

/** Every enabled jail of the config, built and wired to the pipeline; one Service each. */
export function buildJailServices(ctx: ServiceContext, deps: JailDeps = {}): Service[] {
  return buildJailRuntimes(ctx, deps).map((r) => r.service);
}

export function buildJailRuntimes(ctx: ServiceContext, deps: JailDeps = {}): JailRuntime[] {
  return ctx.config.jails.filter((j) => j.enabled).map((j) => buildJail(ctx, j, deps));
}

/** The entry of src/parts.ts. */
export function buildJailsPart(ctx: ServiceContext): BuiltPart {
  return { services: buildJailServices(ctx) };
}
