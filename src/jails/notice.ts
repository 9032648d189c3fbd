/**
 * What a ban or unban looks like to the outside: the JSON event written to log group `mamori/bans`
 * (so metric filters, alarms, jails and `mamori logs` see it like any other line), and the notice a
 * jail's topics receive (JSON for webhooks and exec, an e-mail, a Slack line).
 */
import { slackInert as inert } from "../notify/slack-text.js";
import type { Notification, RenderContext } from "../notify/types.js";
import type { BanRecord } from "../store/store.js";
import type { BanChange, UnbanReason } from "./ban-manager.js";
import type { FirewallDrift } from "./firewall-sync.js";

export const BANS_GROUP = "mamori/bans";

/** One line of `mamori/bans`, and the JSON body of a ban notice. */
export interface BanEvent {
  jail: string;
  ip: string;
  action: "ban" | "unban";
  /** the failures that led to the ban */
  failures: number;
  /** seconds the ban lasts (for an unban: lasted as planned); -1 = forever */
  bantime: number;
  host: string;
  /** ISO 8601: when it was banned, or unbanned */
  time: string;
  /** unbans: why the ban ended; bans: "manual" when a person banned (`mamori bans add`) */
  reason?: UnbanReason;
}

/** A notice also carries the log lines that led to the ban (never written to `mamori/bans`). */
export interface BanNotice extends BanEvent {
  /** up to 10 log lines */
  lines: string[];
}

const plannedSeconds = (r: BanRecord) => (r.end === null ? -1 : Math.round((r.end - r.start) / 1000));

export function banEvent(change: BanChange, host: string, now: number): BanEvent {
  const r = change.record;
  const base = { jail: r.jail, ip: r.ip, action: change.action, failures: r.failures, host };
  return change.action === "ban"
    ? {
        ...base,
        bantime: change.bantime,
        time: new Date(r.start).toISOString(),
        ...(change.reason ? { reason: change.reason } : {}),
      }
    : { ...base, bantime: plannedSeconds(r), time: new Date(now).toISOString(), reason: change.reason };
}

const LABEL = 28;
const line = (k: string, v: string) => `- ${`${k}:`.padEnd(LABEL)}${v}`;

export function banEmail(m: BanNotice, ctx: RenderContext): { subject: string; text: string } {
  const where = `mamori@${m.host || ctx.host}`;
  const banned = m.action === "ban";
  const forHow = m.bantime < 0 ? "for ever" : `for ${m.bantime} seconds`;
  const text = [
    banned
      ? `The mamori jail "${m.jail}" on ${where} banned ${m.ip} ${forHow} after ${m.failures} failure(s).`
      : `The mamori jail "${m.jail}" on ${where} lifted the ban of ${m.ip}${m.reason === "expired" ? " (it expired)" : m.reason === "manual" ? " (lifted by hand)" : ""}.`,
    "",
    line("Jail", m.jail),
    line("Address", m.ip),
    line("Action", m.action),
    ...(m.reason ? [line("Reason", m.reason)] : []),
    line("Failures", String(m.failures)),
    line("Ban time", m.bantime < 0 ? "forever" : `${m.bantime} seconds`),
    line("Time", m.time),
    line("Topic", ctx.topic),
    "",
    `Log lines that led to it (up to 10):`,
    ...(m.lines.length ? m.lines.map((l) => `  ${l}`) : ["  (none recorded)"]),
    "",
  ].join("\n");
  const verb = banned ? "BANNED" : "UNBANNED";
  return { subject: `${verb}: ${m.ip} by jail "${m.jail}" in ${where}`, text };
}

function banSlack(m: BanNotice, ctx: RenderContext) {
  // every value is made inert; the log lines are made inert by the Slack rendering's code block
  const where = inert(`mamori@${ctx.host}`);
  const [ip, jail] = [inert(m.ip), inert(m.jail)];
  const text =
    m.action === "ban"
      ? `:no_entry: *BANNED* ${ip} by jail "${jail}" in ${where} after ${m.failures} failure(s) (${m.bantime < 0 ? "forever" : `${m.bantime} s`})`
      : `:unlock: *UNBANNED* ${ip} by jail "${jail}" in ${where}${m.reason ? ` (${inert(m.reason)})` : ""}`;
  return { text, code: { lines: m.lines } };
}

export function banNotification(event: BanEvent, lines: readonly string[]): Notification {
  const notice: BanNotice = { ...event, lines: lines.slice(0, 10) };
  return {
    kind: "ban",
    json: notice,
    email: (ctx) => banEmail(notice, ctx),
    slack: (ctx) => banSlack(notice, ctx),
  };
}

/**
 * A firewall that no longer held what the store says (a reload flushed mamori's table, a ban went
 * missing), as a `mamori/bans` event: `action` is "drift", so it never reads as a ban.
 */
export function driftEvent(d: FirewallDrift, host: string) {
  return {
    jail: d.jail,
    action: "drift",
    kind: d.kind,
    firewall: d.action,
    targets: d.targets.slice(0, 100),
    ...(d.detail ? { detail: d.detail } : {}),
    host,
    time: new Date(d.time).toISOString(),
  };
}
