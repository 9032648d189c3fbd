/**
 * Fleet bans on the agent: the server pushes `ban`/`unban` commands (jails with `scope: fleet` or
 * `group:NAME`); the agent enforces them with its own firewall action (`agent.ban_action`), keeps them in
 * its store under jail `fleet` (`mamori bans list` shows them) and lifts them itself when they expire, so a
 * ban holds while the server is down. On start the stored bans are put back.
 */
import type { Logger } from "pino";
import { createAction } from "../../actions/index.js";
import { parseTarget } from "../../actions/target.js";
import type { BanAction } from "../../actions/types.js";
import { type JailConfig, jailSchema } from "../../config/jails.js";
import type { Clock, TimerHandle } from "../../core/clock.js";
import { errorMessage } from "../../core/errors.js";
import type { BanStore } from "../../store/store.js";
import type { AgentConfig } from "../config.js";
import type { AgentCommand } from "./forwarder.js";

export const FLEET_JAIL = "fleet";

export class FleetBans {
  private readonly jail: JailConfig;
  private readonly action: BanAction;
  private readonly timers = new Map<string, TimerHandle>();

  constructor(
    config: AgentConfig,
    private readonly deps: { bans: BanStore; clock: Clock; log: Logger; action?: BanAction },
  ) {
    this.jail = jailSchema.parse({
      name: FLEET_JAIL,
      filter: "fleet",
      group: "mamori/fleet",
      action: config.ban_action,
    });
    this.action = deps.action ?? createAction({ jail: this.jail, log: deps.log });
  }

  async start(): Promise<void> {
    await this.action.start();
    const now = this.deps.clock.now();
    for (const b of await this.deps.bans.active(FLEET_JAIL)) {
      if (b.end !== null && b.end <= now) await this.lift(b.ip, "expired");
      else {
        await this.action.ban(b.ip, {
          jail: FLEET_JAIL,
          bantime: b.end === null ? -1 : Math.round((b.end - now) / 1000),
          failures: b.failures,
        });
        this.schedule(b.ip, b.end);
      }
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    await this.action.stop();
  }

  /** Carries out a server command; rejects (the server gets the error) when it cannot. */
  async onCommand(cmd: AgentCommand): Promise<void> {
    if (cmd.type !== "ban" && cmd.type !== "unban")
      throw new Error(`unknown command ${String(cmd.type).slice(0, 40)}`);
    const target = parseTarget(String(cmd.ip));
    if (!target) throw new Error(`"${String(cmd.ip).slice(0, 64)}" is not an IP address or CIDR`);
    if (cmd.type === "unban") return this.lift(target.text, "server");
    const bantime = typeof cmd.bantime === "number" ? cmd.bantime : 600;
    const now = this.deps.clock.now();
    const end = bantime < 0 ? null : now + bantime * 1000;
    await this.deps.bans.add({
      jail: FLEET_JAIL,
      ip: target.text,
      start: now,
      end,
      failures: typeof cmd.failures === "number" ? cmd.failures : 0,
      banCount: await this.deps.bans.previousBans(target.text, FLEET_JAIL),
      lines: [`fleet ban from jail ${String(cmd.jail).slice(0, 64)} on the server`],
    });
    await this.action.ban(target.text, { jail: FLEET_JAIL, bantime, failures: 0 });
    this.schedule(target.text, end);
    this.deps.log.info({ ip: target.text, bantime, jail: cmd.jail }, "fleet ban applied");
  }

  private schedule(ip: string, end: number | null): void {
    this.timers.get(ip)?.cancel();
    if (end === null) return;
    this.timers.set(
      ip,
      this.deps.clock.setTimeout(
        () => void this.lift(ip, "expired"),
        Math.max(0, end - this.deps.clock.now()),
      ),
    );
  }

  private async lift(ip: string, why: string): Promise<void> {
    this.timers.get(ip)?.cancel();
    this.timers.delete(ip);
    try {
      await this.action.unban(ip, { jail: FLEET_JAIL });
      await this.deps.bans.remove(FLEET_JAIL, ip);
      this.deps.log.info({ ip, why }, "fleet ban lifted");
    } catch (err) {
      this.deps.log.error(
        { err: errorMessage(err), ip },
        "lifting a fleet ban failed; it stays in the store",
      );
    }
  }
}
