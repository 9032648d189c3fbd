/**
 * What every firewall action implements. The ban manager is the only caller; the CLI uses the same
 * actions when the daemon is not running. Every method is idempotent: banning a banned address or
 * unbanning an absent one is not an error, so a restore after a crash or a CLI ban next to a running
 * daemon can simply apply everything again.
 */
import type { Logger } from "pino";
import type { JailConfig } from "../config/schema.js";
import type { CommandRunner } from "./runner.js";

export interface BanInfo {
  jail: string;
  /** seconds the ban lasts from now; -1 = forever */
  bantime: number;
  failures: number;
}

export interface UnbanInfo {
  jail: string;
}

/** What `check()` found: whether the action's firewall state is in place, and what it holds. */
export interface ActionReport {
  ok: boolean;
  /** the banned targets the firewall holds for this jail, when the action can list them */
  banned?: string[];
  detail?: string;
}

export interface BanAction {
  readonly name: string;
  /** Creates what the action needs (table, sets, chains, rules). Idempotent. */
  start(): Promise<void>;
  /** `target` is a validated address or prefix ("1.2.3.4", "2001:db8::/64"). */
  ban(target: string, info: BanInfo): Promise<void>;
  unban(target: string, info: UnbanInfo): Promise<void>;
  /** Optional: many bans in one go (a restore after a restart); same effect as ban() for each. */
  banMany?(items: ReadonlyArray<{ target: string; info: BanInfo }>): Promise<void>;
  check(): Promise<boolean | ActionReport>;
  /** Releases the action; removes its firewall state only when the jail says so (remove_on_stop). */
  stop(): Promise<void>;
}

export interface ActionOptions {
  jail: JailConfig;
  log: Logger;
  /** runs every command inside this network namespace (`ip netns exec NS ...`), for tests and benches */
  netns?: string;
  /** overrides how commands run (tests) */
  runner?: CommandRunner;
  /** remove the action's firewall state on stop (default: keep it, so bans survive a restart) */
  removeOnStop?: boolean;
}

export type ActionFactory = (opts: ActionOptions) => BanAction;

/** A command an action ran failed; says which and what it printed. */
export class ActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ActionError";
  }
}
