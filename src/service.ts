/**
 * What the daemon hands to each part it builds, and what each part gives back. Parts are built from
 * config by plain functions listed in daemon.ts; none registers itself.
 */
import type { Logger } from "pino";
import type { MamoriConfig } from "./config/schema.js";
import type { Clock } from "./core/clock.js";
import type { JailFilter } from "./jails/jail.js";
import type { Publisher } from "./notify/types.js";
import type { Pipeline } from "./pipeline/pipeline.js";
import type { Store } from "./store/store.js";

export interface ServiceContext {
  config: MamoriConfig;
  /** the config file, when there is one (its paths are already resolved: components need not look here) */
  configPath?: string;
  /** the jail filters compiled when the config was checked, by jail name (compiled once, not again) */
  jailFilters?: ReadonlyMap<string, JailFilter>;
  store: Store;
  clock: Clock;
  log: Logger;
  hostname: string;
  pipeline: Pipeline;
  publisher: Publisher;
}

/** A long-running part of the daemon (a source, the alarm evaluator, a jail, a notifier...). */
export interface Service {
  name: string;
  /** Starts work; resolves once started (long-running loops keep going in the background until stop). */
  start(): Promise<void>;
  /** Stops and releases everything (timers, sockets, firewall state the part owns only when asked to). */
  stop(): Promise<void>;
}
