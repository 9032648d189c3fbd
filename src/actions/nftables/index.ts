/**
 * nftables: mamori's own table `inet mamori`, per jail a set per address family (interval flag so
 * prefixes work, timeout flag so the kernel lifts a ban on time even when mamori is down) and one base
 * chain holding one rule per family that drops/rejects the sets on the jail's ports.
 *
 * The chain hooks input at priority -1 (fail2ban's nftables action does the same): it runs before the
 * usual `filter` chains at priority 0 (firewalld, ufw, iptables-nft), so a ban holds even when one of
 * those accepts the port, and nothing they do is evaluated for a banned address. A drop is final in
 * nftables; accepts elsewhere never undo it.
 *
 * Every change is one `nft -f -` script on stdin (argv only, one transaction, atomic).
 */
import { nftPorts, parsePorts } from "../ports.js";
import { type CommandRunner, execRunner, runChecked, throwIfFailed } from "../runner.js";
import { coversTarget, requireTarget } from "../target.js";
import {
  ActionError,
  type ActionOptions,
  type ActionReport,
  type BanAction,
  type BanInfo,
  type UnbanInfo,
} from "../types.js";

export const NFT_TABLE = "mamori";
/** nft's refusal of an element overlapping another in an interval set. */
const OVERLAP = /interval overlaps/i;
/** Above this the element gets no kernel timeout and the ban manager lifts it on time. */
const MAX_KERNEL_TIMEOUT_S = 30 * 86_400;

/** nft identifiers start with a letter or '_' and cannot be quoted in nft 1.0: jail names are made safe. */
export function nftNames(jail: string): { chain: string; v4: string; v6: string } {
  const base = /^[A-Za-z_]/.test(jail) ? jail : `_${jail}`;
  return { chain: `jail-${jail}`, v4: `${base}-v4`, v6: `${base}-v6` };
}

export function nftRuleMatch(jail: ActionOptions["jail"]): string {
  const ports = parsePorts(jail.port, jail.protocol);
  const p = ports ? `{ ${nftPorts(ports)} }` : undefined;
  if (jail.protocol === "all") return p ? `meta l4proto { tcp, udp } th dport ${p}` : "";
  return p ? `${jail.protocol} dport ${p}` : `meta l4proto ${jail.protocol}`;
}

function verdict(jail: ActionOptions["jail"]): string {
  if (jail.blocktype === "drop") return "drop";
  return jail.protocol === "tcp" ? "reject with tcp reset" : "reject";
}

/** The start script: table, sets, chain and its rules (flushed first, so running it again is harmless). */
export function nftStartScript(jail: ActionOptions["jail"]): string {
  const n = nftNames(jail.name);
  const t = `inet ${NFT_TABLE}`;
  const match = nftRuleMatch(jail);
  const tail = `${match ? `${match} ` : ""}counter ${verdict(jail)}`;
  return [
    `add table ${t}`,
    `add set ${t} ${n.v4} { type ipv4_addr; flags interval, timeout; }`,
    `add set ${t} ${n.v6} { type ipv6_addr; flags interval, timeout; }`,
    `add chain ${t} ${n.chain} { type filter hook input priority -1; policy accept; }`,
    `flush chain ${t} ${n.chain}`,
    `add rule ${t} ${n.chain} ip saddr @${n.v4} ${tail}`,
    `add rule ${t} ${n.chain} ip6 saddr @${n.v6} ${tail}`,
    "",
  ].join("\n");
}

function element(setRef: string, text: string, extra = ""): string {
  return `element ${setRef} { ${text}${extra} }`;
}

/**
 * Ban: add (so it exists), delete, add again with the new timeout — in one transaction, so a re-ban
 * refreshes the timeout and banning a banned address is not an error.
 */
export function nftBanScript(jailName: string, target: string, bantime: number): string {
  const t = requireTarget(target);
  const set = nftSetRef(jailName, t.family);
  return [
    `add ${element(set, t.text, " timeout 1s")}`,
    `delete ${element(set, t.text)}`,
    `add ${element(set, t.text, nftTimeout(bantime))}`,
    "",
  ].join("\n");
}

function nftSetRef(jailName: string, family: "ipv4" | "ipv6"): string {
  const n = nftNames(jailName);
  return `inet ${NFT_TABLE} ${family === "ipv4" ? n.v4 : n.v6}`;
}

function nftTimeout(bantime: number): string {
  return bantime < 0 || bantime > MAX_KERNEL_TIMEOUT_S
    ? ""
    : ` timeout ${Math.max(1, Math.round(bantime * 1000))}ms`;
}

/**
 * A prefix in place of the elements it covers, in one transaction. (Not the add-delete-add of a ban:
 * nft 1.0 fails such a batch after a delete of another element.)
 */
export function nftReplaceScript(
  jailName: string,
  target: string,
  covered: readonly string[],
  bantime: number,
): string {
  const t = requireTarget(target);
  const set = nftSetRef(jailName, t.family);
  const deletes = covered.map((e) => `delete ${element(set, requireTarget(e).text)}`);
  return [...deletes, `add ${element(set, t.text, nftTimeout(bantime))}`, ""].join("\n");
}

/** Unban: add then delete in one transaction, so unbanning an absent address is not an error. */
export function nftUnbanScript(jailName: string, target: string): string {
  const t = requireTarget(target);
  const set = nftSetRef(jailName, t.family);
  return [`add ${element(set, t.text, " timeout 1s")}`, `delete ${element(set, t.text)}`, ""].join("\n");
}

/** Elements of `nft -j list set` output as "1.2.3.4" / "2001:db8::/64" / "a-b" for ranges. */
export function nftSetElements(json: string): string[] {
  const doc = JSON.parse(json) as { nftables?: Array<{ set?: { elem?: unknown[] } }> };
  const out: string[] = [];
  for (const item of doc.nftables ?? []) {
    for (const e of item.set?.elem ?? []) {
      const text = elementText(e);
      if (text) out.push(text);
    }
  }
  return out;
}

function elementText(e: unknown): string | undefined {
  if (typeof e === "string") return e;
  if (!e || typeof e !== "object") return undefined;
  const o = e as Record<string, unknown>;
  if ("elem" in o) return elementText((o.elem as Record<string, unknown>)?.val);
  if ("prefix" in o) {
    const p = o.prefix as { addr: string; len: number };
    return `${p.addr}/${p.len}`;
  }
  if ("range" in o) {
    const [a, b] = o.range as [string, string];
    return `${a}-${b}`;
  }
  return undefined;
}

export class NftablesAction implements BanAction {
  readonly name = "nftables";
  private readonly runner: CommandRunner;
  private readonly names: ReturnType<typeof nftNames>;

  constructor(private readonly o: ActionOptions) {
    this.runner = o.runner ?? execRunner({ netns: o.netns });
    this.names = nftNames(o.jail.name);
  }

  async start(): Promise<void> {
    await runChecked(this.runner, ["nft", "-f", "-"], { input: nftStartScript(this.o.jail) });
  }

  /**
   * An interval set refuses an element overlapping another ("interval overlaps"). A ban inside a banned
   * prefix is already in force: nothing is added (the ban manager re-applies it if the prefix is lifted
   * first). A prefix over banned addresses replaces them, in one transaction.
   */
  async ban(target: string, info: BanInfo): Promise<void> {
    const script = nftBanScript(this.o.jail.name, target, info.bantime);
    const r = await this.runner.run(["nft", "-f", "-"], { input: script });
    if (r.code === 0) return;
    if (!OVERLAP.test(r.stderr)) throwIfFailed(["nft", "-f", "-"], r, { input: script });
    const t = requireTarget(target);
    const elements = await this.elements(t.family);
    if (elements.some((e) => coversTarget(e, t.text))) return;
    const inside = elements.filter((e) => coversTarget(t.text, e));
    await runChecked(this.runner, ["nft", "-f", "-"], {
      input: nftReplaceScript(this.o.jail.name, t.text, inside, info.bantime),
    });
  }

  /** One nft transaction per 500 bans (a restore of thousands of bans takes a few commands, not thousands). */
  async banMany(items: ReadonlyArray<{ target: string; info: BanInfo }>): Promise<void> {
    for (let i = 0; i < items.length; i += 500) {
      const script = items
        .slice(i, i + 500)
        .map((x) => nftBanScript(this.o.jail.name, x.target, x.info.bantime))
        .join("");
      await runChecked(this.runner, ["nft", "-f", "-"], { input: script });
    }
  }

  /** Inside a banned prefix the add-then-delete overlaps: then only an element of exactly this target goes. */
  async unban(target: string, _info?: UnbanInfo): Promise<void> {
    const script = nftUnbanScript(this.o.jail.name, target);
    const r = await this.runner.run(["nft", "-f", "-"], { input: script });
    if (r.code === 0) return;
    if (!OVERLAP.test(r.stderr)) throwIfFailed(["nft", "-f", "-"], r, { input: script });
    const t = requireTarget(target);
    if (!(await this.elements(t.family)).includes(t.text)) return;
    const set = nftSetRef(this.o.jail.name, t.family);
    await runChecked(this.runner, ["nft", "-f", "-"], { input: `delete ${element(set, t.text)}\n` });
  }

  private async elements(family: "ipv4" | "ipv6"): Promise<string[]> {
    const set = family === "ipv4" ? this.names.v4 : this.names.v6;
    const r = await runChecked(this.runner, ["nft", "-j", "list", "set", "inet", NFT_TABLE, set]);
    return nftSetElements(r.stdout);
  }

  /** The chain and both sets exist; lists what they hold. */
  async check(): Promise<ActionReport> {
    const banned: string[] = [];
    const missing: string[] = [];
    for (const [what, argv] of [
      [`chain ${this.names.chain}`, ["nft", "-j", "list", "chain", "inet", NFT_TABLE, this.names.chain]],
      [`set ${this.names.v4}`, ["nft", "-j", "list", "set", "inet", NFT_TABLE, this.names.v4]],
      [`set ${this.names.v6}`, ["nft", "-j", "list", "set", "inet", NFT_TABLE, this.names.v6]],
    ] as const) {
      const r = await this.runner.run(argv);
      if (r.code !== 0) missing.push(what);
      else if (what.startsWith("set")) banned.push(...nftSetElements(r.stdout));
    }
    if (missing.length > 0)
      return {
        ok: false,
        banned,
        detail: `missing in table inet ${NFT_TABLE}: ${missing.join(", ")} (a running mamori recreates them)`,
      };
    return { ok: true, banned };
  }

  async stop(): Promise<void> {
    if (!this.o.removeOnStop) return;
    const t = `inet ${NFT_TABLE}`;
    for (const cmd of [
      `delete chain ${t} ${this.names.chain}`,
      `delete set ${t} ${this.names.v4}`,
      `delete set ${t} ${this.names.v6}`,
    ]) {
      const r = await this.runner.run(["nft", "-f", "-"], { input: `${cmd}\n` });
      if (r.code !== 0 && !/No such file or directory/.test(r.stderr))
        throw new ActionError(`${cmd} failed: ${r.stderr.trim()}`);
    }
    await this.deleteTableIfEmpty();
  }

  private async deleteTableIfEmpty(): Promise<void> {
    const r = await this.runner.run(["nft", "-j", "list", "table", "inet", NFT_TABLE]);
    if (r.code !== 0) return;
    const doc = JSON.parse(r.stdout) as { nftables?: Array<Record<string, unknown>> };
    const rest = (doc.nftables ?? []).filter((x) => "chain" in x || "set" in x || "map" in x);
    if (rest.length === 0) await this.runner.run(["nft", "delete", "table", "inet", NFT_TABLE]);
  }
}

export const nftables = (o: ActionOptions): BanAction => new NftablesAction(o);
