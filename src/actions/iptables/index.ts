/**
 * iptables (fail2ban's iptables-multiport): a chain `f2b-<jail>` per family with one rule per banned
 * address, jumped to from INPUT (or the jail's `chain`) for the jail's ports. iptables has no timeouts:
 * the ban manager lifts bans on time (and on start, for bans that expired while mamori was down).
 */
import type { IpFamily } from "../../core/ip.js";
import { type CommandRunner, execRunner, runChecked } from "../runner.js";
import { requireTarget } from "../target.js";
import type { ActionOptions, ActionReport, BanAction, BanInfo, UnbanInfo } from "../types.js";
import {
  deleteEveryCopy,
  firewallReport,
  iptablesBinary,
  kernelName,
  portMatches,
  verdictArgs,
} from "./common.js";

const FAMILIES: IpFamily[] = ["ipv4", "ipv6"];

export function iptablesChain(jail: string): string {
  return kernelName("f2b-", jail, 28);
}

export class IptablesAction implements BanAction {
  readonly name = "iptables";
  private readonly runner: CommandRunner;
  private readonly chain: string;
  private readonly parent: string;

  constructor(private readonly o: ActionOptions) {
    this.runner = o.runner ?? execRunner({ netns: o.netns });
    this.chain = iptablesChain(o.jail.name);
    this.parent = o.jail.chain ?? "INPUT";
  }

  private jumpSpecs(): string[][] {
    return portMatches(this.o.jail).map((m) => [...m, "-j", this.chain]);
  }

  private addressRule(text: string): string[] {
    return ["-s", text, ...verdictArgs(this.o.jail, [])];
  }

  async start(): Promise<void> {
    for (const family of FAMILIES) {
      const bin = iptablesBinary(family);
      if ((await this.runner.run([bin, "-w", "-n", "-L", this.chain])).code !== 0)
        await runChecked(this.runner, [bin, "-w", "-N", this.chain]);
      for (const spec of this.jumpSpecs()) {
        if ((await this.runner.run([bin, "-w", "-C", this.parent, ...spec])).code !== 0)
          await runChecked(this.runner, [bin, "-w", "-I", this.parent, "1", ...spec]);
      }
    }
  }

  async ban(target: string, _info?: BanInfo): Promise<void> {
    const t = requireTarget(target);
    const bin = iptablesBinary(t.family);
    const rule = this.addressRule(t.text);
    if ((await this.runner.run([bin, "-w", "-C", this.chain, ...rule])).code !== 0)
      await runChecked(this.runner, [bin, "-w", "-I", this.chain, "1", ...rule]);
  }

  async unban(target: string, _info?: UnbanInfo): Promise<void> {
    const t = requireTarget(target);
    const bin = iptablesBinary(t.family);
    const rule = this.addressRule(t.text);
    await deleteEveryCopy(this.runner, [bin, "-w", "-D", this.chain, ...rule]);
  }

  async check(): Promise<ActionReport> {
    const banned: string[] = [];
    const problems: string[] = [];
    for (const family of FAMILIES) {
      const bin = iptablesBinary(family);
      const r = await this.runner.run([bin, "-w", "-S", this.chain]);
      if (r.code !== 0) problems.push(`${bin} chain ${this.chain} is missing`);
      for (const line of r.stdout.split("\n")) {
        const m = /^-A \S+ -s (\S+)/.exec(line);
        if (m) banned.push(m[1].replace(/\/(32|128)$/, ""));
      }
      for (const spec of this.jumpSpecs()) {
        if ((await this.runner.run([bin, "-w", "-C", this.parent, ...spec])).code !== 0)
          problems.push(`${bin} jump from ${this.parent} to ${this.chain} is missing`);
      }
    }
    return firewallReport(banned, problems);
  }

  async stop(): Promise<void> {
    if (!this.o.removeOnStop) return;
    for (const family of FAMILIES) {
      const bin = iptablesBinary(family);
      for (const spec of this.jumpSpecs()) {
        await deleteEveryCopy(this.runner, [bin, "-w", "-D", this.parent, ...spec]);
      }
      await this.runner.run([bin, "-w", "-F", this.chain]);
      await this.runner.run([bin, "-w", "-X", this.chain]);
    }
  }
}

export const iptables = (o: ActionOptions): BanAction => new IptablesAction(o);
