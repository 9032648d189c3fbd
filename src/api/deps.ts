/** What the API is given by the daemon (src/parts.ts): the store, the clock, and views of the running parts. */
import type { Logger } from "pino";
import type { HttpServerConfig, JailConfig, MamoriConfig } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import type { BanManager } from "../jails/ban-manager.js";
import type { CompiledMetricFilter } from "../metrics/filters.js";
import type { DetectionSink } from "../pipeline/detections.js";
import type { Role, Store } from "../store/store.js";
import type { ScryptParams } from "./password.js";
import type { LoginLimits } from "./rate-limit.js";

/** A running jail, as the API sees it: bans and unbans go through its ban manager (and so its action). */
export interface RunningJail {
  config: JailConfig;
  manager: Pick<BanManager, "banNow" | "unbanNow" | "bans">;
}

export interface ApiDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  detections: DetectionSink;
  /** the config as it runs now (reloads change it) */
  config: () => MamoriConfig;
  http: HttpServerConfig;
  /** the jails running now, by name */
  jails: () => ReadonlyMap<string, RunningJail>;
  /** the compiled metric filters running now (alarm samples) */
  metricFilters: () => readonly CompiledMetricFilter[];
  /** where the built UI is (default: dist/web of the package) */
  webRoot?: string;
  /** tests lower scrypt's cost for the users they create and for the dummy hash of unknown users */
  passwordParams?: ScryptParams;
  loginLimits?: LoginLimits;
  /** largest request body, bytes (default 64 KiB) */
  maxBodyBytes?: number;
}

/** Who is asking: a signed-in user (session cookie) or a script (API token). */
export interface Principal {
  user: string;
  role: Role;
  via: "session" | "token";
  /** the session's CSRF token and id hash (sessions only) */
  csrf?: string;
  sessionHash?: string;
}

export type ApiEnv = { Variables: { principal?: Principal; clientIp: string } };
