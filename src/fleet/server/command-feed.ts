/**
 * What the server puts on its agents' command streams besides their acknowledgements: the group config
 * (on connect and after a reload changed it), the fleet bans in force when an agent connects, and each
 * new ban or unban of a jail whose `scope` reaches other hosts (`fleet` or `group:NAME`).
 */
import type { Logger } from "pino";
import type { Clock } from "../../core/clock.js";
import { errorMessage } from "../../core/errors.js";
import type { StoredEvent } from "../../core/event.js";
import type { AgentRecord, Store } from "../../store/store.js";
import { groupConfigText } from "./group-config.js";
import type { LiveAgents } from "./live.js";

export interface CommandFeedDeps {
  store: Pick<Store, "bans">;
  /** the jails and their `scope` (read at each ban: a reload may change them) */
  jails?: () => ReadonlyArray<{ name: string; scope: string }>;
  /** the server's config file, where agent groups' config text is read from */
  configFile?: () => string | undefined;
  /** this server's host name: the stream of its own `mamori/bans` events */
  hostname?: () => string;
  clock: Clock;
  log: Logger;
}

export class CommandFeed {
  /** the group config version last sent, by group */
  private readonly pushedVersions = new Map<string, string>();

  constructor(
    private readonly deps: CommandFeedDeps,
    private readonly live: () => LiveAgents,
  ) {}

  /**
   * After a reload of the server's config: every connected agent whose group's config text changed gets
   * the new one (those that connect later get it on connect anyway).
   */
  configChanged(): void {
    const file = this.deps.configFile?.();
    if (!file) return;
    const live = this.live();
    const groups = new Set(live.agents().map((a) => a.group));
    for (const group of groups) {
      let g: ReturnType<typeof groupConfigText>;
      try {
        g = groupConfigText(file, group);
      } catch (err) {
        this.deps.log.error({ err: errorMessage(err), group }, "fleet: reading the group config failed");
        continue;
      }
      if (!g || this.pushedVersions.get(group) === g.version) continue;
      this.pushedVersions.set(group, g.version);
      live.broadcast({ type: "config", ...g }, (a) => a.group === group);
      this.deps.log.info({ group, version: g.version }, "fleet: group config pushed to its connected agents");
    }
  }

  /** Which agents a jail's bans reach: none for `host`. */
  private reach(jail: string): ((a: { group: string }) => boolean) | undefined {
    const scope = this.deps.jails?.().find((j) => j.name === jail)?.scope ?? "host";
    if (scope === "fleet") return () => true;
    if (scope.startsWith("group:")) return (a) => a.group === scope.slice(6);
    return undefined;
  }

  /** What an agent gets right after hello: its group's config and the fleet bans in force that reach it. */
  async initial(agent: AgentRecord) {
    const now = this.deps.clock.now();
    const out: Array<{ type: string; [k: string]: unknown }> = [];
    const file = this.deps.configFile?.();
    try {
      const g = file ? groupConfigText(file, agent.group) : undefined;
      if (g) {
        this.pushedVersions.set(agent.group, g.version);
        out.push({ type: "config", ...g });
      }
    } catch (err) {
      this.deps.log.error(
        { err: errorMessage(err), group: agent.group },
        "fleet: reading the group config failed",
      );
    }
    for (const b of await this.deps.store.bans.active()) {
      if (b.state === "pending-unban" || (b.end !== null && b.end <= now)) continue;
      if (!this.reach(b.jail)?.(agent)) continue;
      const bantime = b.end === null ? -1 : Math.round((b.end - now) / 1000);
      out.push({ type: "ban", jail: b.jail, ip: b.ip, bantime, failures: b.failures });
    }
    return out;
  }

  /** This server's own ban events of jails with a fleet or group scope, pushed to the agents they reach. */
  onBanEvents(events: readonly StoredEvent[]): void {
    const own = this.deps.hostname?.();
    const live = this.live();
    for (const e of events) {
      if (own !== undefined && e.stream !== own) continue; // agents' own bans are theirs
      let ev: { jail?: string; ip?: string; action?: string; bantime?: number; failures?: number };
      try {
        ev = JSON.parse(e.message);
      } catch {
        continue;
      }
      if (typeof ev.jail !== "string" || typeof ev.ip !== "string") continue;
      const to = this.reach(ev.jail);
      if (!to) continue;
      live.broadcast(
        {
          type: ev.action === "unban" ? "unban" : "ban",
          jail: ev.jail,
          ip: ev.ip,
          bantime: ev.bantime,
          failures: ev.failures,
        },
        to,
      );
      this.deps.log.info(
        { jail: ev.jail, ip: ev.ip, action: ev.action, agents: live.count },
        "fleet: ban pushed to agents",
      );
    }
  }
}
