/**
 * Jails and bans. A ban or unban made here goes through the running jail's ban manager, as the jail's own
 * would: the firewall action runs, the store records it, `mamori/bans` gets the event, and `mamori bans
 * list` shows it. The same guards as `mamori bans add` apply (never 0.0.0.0, ignoreip, huge prefixes).
 */

import { z } from "zod";
import { parseTarget } from "../../actions/target.js";
import { parseDuration } from "../../core/duration.js";
import { errorMessage } from "../../core/errors.js";
import { banRefusal } from "../../jails/guard.js";
import { buildIgnoreList } from "../../jails/ignore.js";
import type { BanRecord } from "../../store/store.js";
import type { ApiDeps } from "../deps.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { type ApiRouter, param, readJson } from "../router.js";
import { banBody, banInfo, jailInfo, list } from "../schemas.js";

export function banJson(b: BanRecord, now: number) {
  return {
    jail: b.jail,
    ip: b.ip,
    state: b.state ?? "active",
    start: b.start,
    end: b.end,
    remainingSeconds: b.end === null ? null : Math.max(0, Math.round((b.end - now) / 1000)),
    failures: b.failures,
    banCount: b.banCount,
    /** the log lines that led to the ban (attacker-controlled text) */
    lines: b.lines,
  };
}

/** Active bans as `mamori bans list` shows them (pending unbans included, expired ones not). */
export function currentBans(all: readonly BanRecord[], now: number): BanRecord[] {
  return all.filter((b) => b.state === "pending-unban" || b.end === null || b.end > now);
}

function durationSeconds(v: number | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  let s: number;
  try {
    s = parseDuration(v);
  } catch (err) {
    throw badRequest(`duration: ${errorMessage(err)}`);
  }
  if (s < 0 && s !== -1) throw badRequest("duration must be positive, or -1 for forever");
  if (s === 0) throw badRequest("duration must be positive, or -1 for forever");
  return s;
}

export function banRoutes(r: ApiRouter, deps: ApiDeps): void {
  const running = (name: string) => {
    const jail = deps.jails().get(name);
    if (jail) return jail;
    if (deps.config().jails.some((j) => j.name === name))
      throw new ApiError(
        409,
        "jail_not_running",
        `jail "${name}" is not running (disabled, or failed to start)`,
      );
    throw notFound(`jail "${name}"`);
  };

  r.add(
    {
      method: "GET",
      path: "/api/v1/jails",
      access: "viewer",
      summary: "jails with their counters",
      response: list(jailInfo, "jails"),
    },
    async (c) => {
      const now = deps.clock.now();
      const stats = new Map((await deps.store.bans.jailStats()).map((s) => [s.jail, s]));
      const active = currentBans(await deps.store.bans.active(), now);
      const runningNow = deps.jails();
      const jails = await Promise.all(
        deps.config().jails.map(async (j) => ({
          name: j.name,
          enabled: j.enabled,
          running: runningNow.has(j.name),
          group: j.group,
          filter: j.filter,
          action: j.action,
          maxretry: j.maxretry,
          findtime: j.findtime,
          bantime: j.bantime,
          currentlyFailed: stats.get(j.name)?.currentlyFailed ?? 0,
          totalFailed: stats.get(j.name)?.totalFailed ?? 0,
          totalBans: await deps.store.bans.totalBans(j.name),
          activeBans: active.filter((b) => b.jail === j.name).length,
        })),
      );
      return c.json({ jails });
    },
  );

  r.add(
    {
      method: "GET",
      path: "/api/v1/bans",
      access: "viewer",
      summary: "active bans (all jails, or ?jail=)",
      query: z.strictObject({ jail: z.string().optional() }),
      response: list(banInfo, "bans"),
    },
    async (c) => {
      const now = deps.clock.now();
      const jail = c.req.query("jail");
      const bans = currentBans(await deps.store.bans.active(jail || undefined), now);
      return c.json({ bans: bans.map((b) => banJson(b, now)) });
    },
  );

  r.add(
    {
      method: "POST",
      path: "/api/v1/bans",
      access: "admin",
      summary: "ban an address in a jail (through its action)",
      status: 201,
      body: banBody,
      response: banInfo,
    },
    async (c) => {
      const body = await readJson(c, banBody);
      const jail = running(body.jail);
      const t = parseTarget(body.ip);
      if (!t) throw new ApiError(422, "invalid", `"${body.ip.slice(0, 80)}" is not an IP address or CIDR`);
      const ignore = await buildIgnoreList({
        ignoreip: jail.config.ignoreip,
        ignoreself: jail.config.ignoreself,
      });
      const refusal = banRefusal(t.text, { ignore });
      if (refusal)
        throw new ApiError(422, "refused", `refusing to ban in jail ${jail.config.name}: ${refusal}`);
      const bantime = durationSeconds(body.duration);
      const record = await jail.manager.banNow(t.text, {
        bantime,
        lines: [`banned through the API by ${c.get("principal")?.user}`],
      });
      return c.json(banJson(record, deps.clock.now()), 201);
    },
  );

  r.add(
    {
      method: "DELETE",
      path: "/api/v1/bans/:jail/:ip",
      access: "admin",
      summary: "lift a ban (IPv6 prefixes URL-encoded)",
      status: 204,
    },
    async (c) => {
      const jail = running(param(c, "jail"));
      const t = parseTarget(param(c, "ip"));
      if (!t) throw badRequest("not an IP address or CIDR");
      const had = await jail.manager.unbanNow(t.text);
      if (!had) throw notFound(`a ban of ${t.text} in ${jail.config.name}`);
      return c.body(null, 204);
    },
  );
}
