/**
 * A fail2ban jail's interpolated `action` value (one `name[args]` entry per line, e.g. what
 * `%(action_mwl)s` expands to) → one mamori firewall action with its ports, protocol and chain, plus the
 * e-mails to send. fail2ban actions without a mamori equivalent are reported, never dropped silently:
 * with no supported firewall action left the jail records bans only (dry-run).
 */
import type { ActionName } from "../../config/schema.js";
import { extractOptions } from "../options.js";
import { splitWithOptions } from "./values.js";

interface FirewallKind {
  action: ActionName;
  /** the action blocks every port of the address (fail2ban's `type = allports`) */
  allports?: boolean;
  /** fail2ban's own default port for this action when the action line passes none */
  defaultPort?: string;
  /** what mamori does differently, said once as a warning */
  note?: string;
}

const IPTABLES: FirewallKind = { action: "iptables", defaultPort: "ssh" };
const IPSET: FirewallKind = { action: "ipset", defaultPort: "ssh" };
const NFTABLES: FirewallKind = { action: "nftables", defaultPort: "ssh" };

/** fail2ban's action.d names with a mamori action. */
export const FIREWALL_ACTIONS: Record<string, FirewallKind> = {
  iptables: IPTABLES,
  "iptables-multiport": IPTABLES,
  "iptables-allports": { ...IPTABLES, allports: true },
  "iptables-new": {
    ...IPTABLES,
    note: "iptables-new matches only new connections; mamori's iptables action blocks every packet of the address",
  },
  "iptables-multiport-log": {
    ...IPTABLES,
    note: "iptables-multiport-log also logs dropped packets; mamori's iptables action blocks without logging",
  },
  "iptables-ipset": IPSET,
  "iptables-ipset-proto4": IPSET,
  "iptables-ipset-proto6": IPSET,
  "iptables-ipset-proto6-allports": { ...IPSET, allports: true },
  nftables: NFTABLES,
  "nftables-multiport": NFTABLES,
  "nftables-allports": { ...NFTABLES, allports: true },
  hostsdeny: { action: "hosts-deny", allports: true },
  dummy: { action: "dry-run", allports: true },
};

/** fail2ban's mail actions (sendmail-*, mail-*, smtp.py, xarf): a ban e-mail through a mamori topic. */
const MAIL_ACTION = /^(?:(?:sendmail|mail)(?:-[\w-]+)?|smtp\.py|xarf-login-attack)$/;

/** Action arguments mamori takes over, or that only name fail2ban's own objects (chains, sets). */
const USED_ARGS = new Set(["port", "protocol", "chain", "blocktype", "type", "file", "daemon_list"]);
const COSMETIC_ARGS = new Set(["name", "actname", "returntype", "lockingopt", "iptables", "known/chain"]);

export interface MailPlan {
  dest: string;
  sender?: string;
}

export interface ActionPlan {
  action: ActionName;
  /** undefined = every port */
  port?: string;
  protocol: "tcp" | "udp" | "all";
  chain?: string;
  blocktype?: "drop" | "reject";
  hosts_deny?: string;
  daemon?: string;
  mail: MailPlan[];
  /** names of the fail2ban actions that were mapped or reported (for locating problems) */
  warnings: Array<{ action?: string; message: string }>;
  errors: string[];
}

export interface JailActionInput {
  /** the interpolated `action` option */
  action: string;
  /** the jail's destemail / sender, for mail actions that pass none */
  destemail?: string;
  sender?: string;
}

/** A value fail2ban leaves to the action (`<known/chain>`), i.e. not set by the jail. */
function isTag(v: string | undefined): boolean {
  return v === undefined || v.trim() === "" || /<[^<>\s]+>/.test(v);
}

interface FirewallLine {
  name: string;
  kind: FirewallKind;
  args: Record<string, string>;
}

export function planActions(input: JailActionInput): ActionPlan {
  const plan: ActionPlan = { action: "dry-run", protocol: "tcp", mail: [], warnings: [], errors: [] };
  const firewall: FirewallLine[] = [];
  const unsupported: string[] = [];
  for (const line of splitWithOptions(input.action)) {
    let parsed: { name: string; options: Record<string, string> };
    try {
      parsed = extractOptions(line);
    } catch (err) {
      plan.errors.push(`action "${line}" cannot be read: ${(err as Error).message}`);
      continue;
    }
    const name = parsed.name.trim();
    if (MAIL_ACTION.test(name)) addMail(plan, name, parsed.options, input);
    else if (FIREWALL_ACTIONS[name])
      firewall.push({ name, kind: FIREWALL_ACTIONS[name], args: parsed.options });
    else unsupported.push(name);
  }
  if (firewall.length === 0) {
    for (const name of unsupported)
      plan.warnings.push({
        action: name,
        message: `action "${name}" has no mamori equivalent: bans are only recorded (dry-run), nothing is blocked; use banaction = nftables-multiport (or iptables-multiport, iptables-ipset-proto6, hostsdeny) to block`,
      });
    return plan;
  }
  for (const name of unsupported)
    plan.warnings.push({
      action: name,
      message: `action "${name}" has no mamori equivalent and is left out; the jail bans through ${firewall[0].name}`,
    });
  applyFirewall(plan, firewall);
  return plan;
}

function addMail(plan: ActionPlan, name: string, args: Record<string, string>, input: JailActionInput): void {
  const dest = isTag(args.dest) ? input.destemail : args.dest.trim();
  if (!dest?.includes("@")) {
    plan.warnings.push({
      action: name,
      message: `action "${name}" has no destination address (dest= or destemail): no ban e-mail is sent; set destemail = you@example.com`,
    });
    return;
  }
  // `<fq-hostname>` in a sender is fail2ban's; the importer fills it with this host's name
  const sender = args.sender?.trim() || input.sender;
  for (const to of dest.split(/[\s,]+/).filter(Boolean)) plan.mail.push({ dest: to, sender });
}

function applyFirewall(plan: ActionPlan, lines: FirewallLine[]): void {
  const first = lines[0];
  plan.action = first.kind.action;
  if (first.kind.note) plan.warnings.push({ action: first.name, message: first.kind.note });
  for (const other of lines.slice(1))
    if (other.kind.action !== plan.action)
      plan.warnings.push({
        action: other.name,
        message: `a mamori jail has one firewall action: "${other.name}" is left out, the jail bans through ${first.name}`,
      });
  const same = lines.filter((l) => l.kind.action === plan.action);
  const protocols = new Set(same.map((l) => protocolOf(plan, l)));
  plan.protocol = protocols.size === 1 ? [...protocols][0] : "all";
  const ports = same.map((l) => portOf(l));
  if (ports.some((p) => p === undefined)) plan.port = undefined;
  else {
    const distinct = [...new Set(ports as string[])];
    plan.port = distinct.join(",");
    if (distinct.length > 1)
      plan.warnings.push({
        action: first.name,
        message: `the ${same.length} "${first.name}" entries block different ports per protocol; mamori blocks ports ${plan.port} for ${plan.protocol}`,
      });
  }
  for (const l of same) applyArgs(plan, l);
}

function protocolOf(plan: ActionPlan, l: FirewallLine): "tcp" | "udp" | "all" {
  const p = isTag(l.args.protocol) ? "tcp" : l.args.protocol.trim().toLowerCase();
  if (p === "tcp" || p === "udp" || p === "all") return p;
  plan.warnings.push({
    action: l.name,
    message: `protocol "${p}" is not one mamori's actions take (tcp, udp, all): the jail blocks all protocols`,
  });
  return "all";
}

/** undefined = every port. */
function portOf(l: FirewallLine): string | undefined {
  if (l.kind.allports || l.args.type === "allports") return undefined;
  const port = isTag(l.args.port) ? l.kind.defaultPort : l.args.port.trim();
  return port === undefined || /^0?[:-]65535$/.test(port) ? undefined : port;
}

function applyArgs(plan: ActionPlan, l: FirewallLine): void {
  const { args } = l;
  if (!isTag(args.chain)) {
    if (plan.action === "iptables" || plan.action === "ipset") plan.chain = args.chain.trim();
    else if (args.chain.trim() !== "f2b-chain")
      plan.warnings.push({
        action: l.name,
        message: `chain "${args.chain}" is not used: mamori's ${plan.action} action keeps its own rules`,
      });
  }
  if (!isTag(args.blocktype)) {
    const b = args.blocktype.trim().toLowerCase();
    if (b === "drop") plan.blocktype = "drop";
    else if (b.startsWith("reject")) plan.blocktype = "reject";
    else
      plan.warnings.push({
        action: l.name,
        message: `blocktype "${args.blocktype}" has no mamori equivalent (drop or reject): the jail rejects`,
      });
  }
  if (plan.action === "hosts-deny") {
    if (!isTag(args.file)) plan.hosts_deny = args.file.trim();
    plan.daemon = isTag(args.daemon_list) ? "ALL" : args.daemon_list.trim();
  }
  for (const [k, v] of Object.entries(args))
    if (!USED_ARGS.has(k) && !COSMETIC_ARGS.has(k))
      plan.warnings.push({
        action: l.name,
        message: `argument ${k}="${v}" of action "${l.name}" is not supported by mamori and is left out`,
      });
}
