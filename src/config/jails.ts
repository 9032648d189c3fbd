/**
 * A jail's config: mamori's own jail keys plus the keys each action reads (actions/<type>/config.ts),
 * and the checks of the action the jail names. The action factories are in src/actions/index.ts, whose
 * map must cover every action listed here.
 */
import { z } from "zod";
import { dryRunActionSchema } from "../actions/dry-run/config.js";
import { checkExecAction, execActionSchema } from "../actions/exec/config.js";
import { hostsDenyActionSchema } from "../actions/hosts-deny/config.js";
import { checkIpsetAction, ipsetActionSchema } from "../actions/ipset/config.js";
import { checkIptablesAction, iptablesActionSchema } from "../actions/iptables/config.js";
import { nftablesActionSchema } from "../actions/nftables/config.js";
import {
  cidrOrHost,
  configPaths,
  duration,
  type EntryCheck,
  type Locator,
  nonEmpty,
} from "../core/config.js";
import type { ConfigProblem } from "../core/errors.js";
import { portListProblem } from "../core/ports.js";

/** Every action: the jail keys it reads, and its checks of them. */
export const actionTypes = {
  nftables: { schema: nftablesActionSchema },
  ipset: { schema: ipsetActionSchema, check: checkIpsetAction },
  iptables: { schema: iptablesActionSchema, check: checkIptablesAction },
  "hosts-deny": { schema: hostsDenyActionSchema },
  "dry-run": { schema: dryRunActionSchema },
  exec: { schema: execActionSchema, check: checkExecAction },
};

export type ActionName = keyof typeof actionTypes;
export const actionNames = Object.keys(actionTypes) as [ActionName, ...ActionName[]];

/** A jail's `filter`: a filter name looked up in filter_dirs, or a file (a path when it has a / or ends in .conf). */
const filterRef = z
  .string()
  .min(1, "must not be empty")
  .register(configPaths, { isPath: (v) => v.includes("/") || v.endsWith(".conf") });

export const jailSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "jail names are 1-64 letters, digits, '_', '.' or '-'"),
  enabled: z.boolean().default(true),
  filter: filterRef,
  mode: nonEmpty.optional(),
  group: nonEmpty,
  maxretry: z.number().int().positive().default(5),
  findtime: duration().default(600),
  bantime: duration({ allowForever: true }).default(600),
  bantime_increment: z
    .strictObject({
      enabled: z.boolean().default(false),
      factor: z.number().positive().default(1),
      multipliers: z.array(z.number().positive()).optional(),
      maxtime: duration().optional(),
      rndtime: duration().optional(),
      overalljails: z.boolean().default(false),
    })
    .default({ enabled: false, factor: 1, overalljails: false }),
  ignoreip: z.array(cidrOrHost).default(["127.0.0.1/8", "::1"]),
  ignoreself: z.boolean().default(true),
  action: z.enum(actionNames).default("dry-run"),
  /** the ports the action blocks (fail2ban's jail key: "ssh", "http,https", "8000:8100") */
  port: z.union([z.string(), z.number()]).transform(String).optional(),
  protocol: z.enum(["tcp", "udp", "all"]).default("tcp"),
  ban_prefix_v6: z.number().int().min(1).max(128).optional(),
  /** remove the action's firewall state (nft table/sets, ipset, chains, hosts.deny block) when mamori stops; default keep, so bans hold across restarts */
  remove_on_stop: z.boolean().default(false),
  notify: z.array(nonEmpty).default([]),
  /** where a ban of this jail is enforced: here (host), on every agent of an agent group, or fleet-wide */
  scope: z
    .string()
    .regex(/^(host|fleet|group:[A-Za-z0-9._-]{1,64})$/, "scope is host, fleet or group:NAME (an agent group)")
    .default("host"),
  /** also notify the `notify` topics when a ban ends (expired or lifted by hand); bans are always notified */
  notify_unban: z.boolean().default(false),
  /** how often the firewall is compared with the stored bans and repaired (after a firewall reload); 0 = never */
  firewall_check: duration().default(30),
  ...nftablesActionSchema.shape,
  ...ipsetActionSchema.shape,
  ...iptablesActionSchema.shape,
  ...hostsDenyActionSchema.shape,
  ...dryRunActionSchema.shape,
  ...execActionSchema.shape,
});

export type JailConfig = z.output<typeof jailSchema>;

function checkActionOf(jail: JailConfig, at: Locator): ConfigProblem[] {
  const t = actionTypes[jail.action] as { check?: EntryCheck<JailConfig> };
  return t.check ? t.check(jail, at) : [];
}

/**
 * The checks of a jail's own keys: its ports resolve (every action), and the checks of the action it
 * names (multiport's 15 for the iptables-based ones). The fail2ban import runs the same on its jails.
 */
export function checkJail(jail: JailConfig, at: Locator): ConfigProblem[] {
  const problem = portListProblem(jail.port, jail.protocol);
  if (problem) return [at([jail.port === undefined ? "protocol" : "port"], problem)];
  return checkActionOf(jail, at);
}
