/**
 * Every firewall action, in one map: reading it tells you every action there is. Complete: an action
 * in src/config/jails.ts without a factory here does not compile.
 */
import type { ActionName } from "../config/jails.js";
import { dryRun } from "./dry-run/index.js";
import { exec } from "./exec/index.js";
import { hostsDeny } from "./hosts-deny/index.js";
import { ipset } from "./ipset/index.js";
import { iptables } from "./iptables/index.js";
import { nftables } from "./nftables/index.js";
import type { ActionFactory, ActionOptions, BanAction } from "./types.js";

export const actions = {
  nftables,
  ipset,
  iptables,
  "hosts-deny": hostsDeny,
  "dry-run": dryRun,
  exec,
} satisfies Record<ActionName, ActionFactory>;

/** The action a jail's config names. */
export function createAction(opts: ActionOptions): BanAction {
  return actions[opts.jail.action](opts);
}
