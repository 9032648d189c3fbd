/**
 * ipset + iptables: one `hash:net` set per jail and family with per-element timeouts (the kernel lifts
 * a ban on time even when mamori is down), and one iptables/ip6tables rule per jail (multiport on the
 * jail's ports) that drops/rejects the set. `-exist` makes create/add/del idempotent; `-C` before `-I`
 * keeps the rule single.
 */
import type { IpFamily } from "../../core/ip.js";
import {
  deleteEveryCopy,
  firewallReport,
  iptablesBinary,
  kernelName,
  portMatches,
  verdictArgs,
} from "../iptables/common.js";
import { type CommandRunner, execRunner, runChecked } from "../runner.js";
import { requireTarget } from "../target.js";
import type { ActionOptions, ActionReport, BanAction, BanInfo, UnbanInfo } from "../types.js";

/** ipset timeouts are capped at 2147483 s; longer bans get no timeout and the ban manager lifts them. */
const MAX_IPSET_TIMEOUT_S = 2_147_483;
const FAMILIES: IpFamily[] = ["ipv4", "ipv6"];

export function ipsetName(jail: string, family: IpFamily): string {
  return kernelName(family === "ipv4" ? "mamori-" : "mamori6-", jail, 31);
}

export function ipsetTimeout(bantime: number): number {
  if (bantime < 0 || bantime > MAX_IPSET_TIMEOUT_S) return 0;
  return Math.max(1, Math.ceil(bantime));
}

export class IpsetAction implements BanAction {
  readonly name = "ipset";
  private readonly runner: CommandRunner;
  private readonly chain: string;

  constructor(private readonly o: ActionOptions) {
    this.runner = o.runner ?? execRunner({ netns: o.netns });
    this.chain = o.jail.chain ?? "INPUT";
  }

  private ruleSpecs(family: IpFamily): string[][] {
    const set = ipsetName(this.o.jail.name, family);
    return portMatches(this.o.jail).map((m) => [
      ...m,
      "-m",
      "set",
      "--match-set",
      set,
      "src",
      ...verdictArgs(this.o.jail, m),
    ]);
  }

  async start(): Promise<void> {
    for (const family of FAMILIES) {
      const set = ipsetName(this.o.jail.name, family);
      const fam = family === "ipv4" ? "inet" : "inet6";
      await runChecked(this.runner, [
        "ipset",
        "create",
        set,
        "hash:net",
        "family",
        fam,
        "timeout",
        "600",
        "-exist",
      ]);
      const bin = iptablesBinary(family);
      for (const spec of this.ruleSpecs(family)) {
        const exists = await this.runner.run([bin, "-w", "-C", this.chain, ...spec]);
        if (exists.code !== 0) await runChecked(this.runner, [bin, "-w", "-I", this.chain, "1", ...spec]);
      }
    }
  }

  async ban(target: string, info: BanInfo): Promise<void> {
    const t = requireTarget(target);
    const set = ipsetName(this.o.jail.name, t.family);
    await runChecked(this.runner, [
      "ipset",
      "add",
      set,
      t.text,
      "timeout",
      String(ipsetTimeout(info.bantime)),
      "-exist",
    ]);
  }

  async unban(target: string, _info?: UnbanInfo): Promise<void> {
    const t = requireTarget(target);
    await runChecked(this.runner, ["ipset", "del", ipsetName(this.o.jail.name, t.family), t.text, "-exist"]);
  }

  async check(): Promise<ActionReport> {
    const banned: string[] = [];
    const problems: string[] = [];
    for (const family of FAMILIES) {
      const set = ipsetName(this.o.jail.name, family);
      const r = await this.runner.run(["ipset", "save", set]);
      if (r.code !== 0) problems.push(`ipset ${set} is missing`);
      for (const line of r.stdout.split("\n")) {
        const m = /^add \S+ (\S+)/.exec(line);
        if (m) banned.push(m[1]);
      }
      const bin = iptablesBinary(family);
      for (const spec of this.ruleSpecs(family)) {
        if ((await this.runner.run([bin, "-w", "-C", this.chain, ...spec])).code !== 0)
          problems.push(`${bin} rule in ${this.chain} for ${set} is missing`);
      }
    }
    return firewallReport(banned, problems);
  }

  async stop(): Promise<void> {
    if (!this.o.removeOnStop) return;
    for (const family of FAMILIES) {
      const bin = iptablesBinary(family);
      for (const spec of this.ruleSpecs(family)) {
        await deleteEveryCopy(this.runner, [bin, "-w", "-D", this.chain, ...spec]);
      }
      await this.runner.run(["ipset", "destroy", ipsetName(this.o.jail.name, family)]);
    }
  }
}

export const ipset = (o: ActionOptions): BanAction => new IpsetAction(o);
