/**
 * promiscuous: an interface with IFF_PROMISC (0x100) in /sys/class/net/IF/flags receives every frame on its
 * wire — what a sniffer sets. Bridges and their ports are put into promiscuous mode by the kernel itself,
 * and so are interfaces the config names as known (a capture box): those are low severity.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { type CheckFinding, shellQuote } from "./finding.js";

export const IFF_PROMISC = 0x100;

export interface PromiscuousOptions {
  /** the sysfs to read (default /sys) */
  sys: string;
  /** names (with * wildcards) of interfaces expected to be promiscuous */
  known?: readonly string[];
}

function globToRegex(glob: string): RegExp {
  const body = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${body}$`);
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/** Why an interface is expected to be promiscuous, or undefined. */
async function expectedBecause(dir: string, name: string, known: RegExp[]): Promise<string | undefined> {
  if (await exists(path.join(dir, "bridge"))) return "it is a bridge";
  if (await exists(path.join(dir, "brport"))) return "it is a port of a bridge (the kernel sets the flag)";
  if (known.some((r) => r.test(name))) return "the config lists it in rootcheck.known_promiscuous";
  return undefined;
}

export async function checkPromiscuous(o: PromiscuousOptions): Promise<CheckFinding[]> {
  const base = path.join(o.sys, "class/net");
  const known = (o.known ?? []).map(globToRegex);
  const findings: CheckFinding[] = [];
  for (const name of (await fs.readdir(base)).sort()) {
    const dir = path.join(base, name);
    let flags: number;
    try {
      flags = Number.parseInt((await fs.readFile(path.join(dir, "flags"), "utf8")).trim(), 16);
    } catch {
      continue; // went away
    }
    if (!(flags & IFF_PROMISC)) continue;
    const because = await expectedBecause(dir, name, known);
    const shown = shellQuote(name);
    findings.push({
      check: "promiscuous",
      severity: because ? "low" : "high",
      title: `interface ${name} is in promiscuous mode`,
      detail:
        `${dir}/flags has IFF_PROMISC (0x${flags.toString(16)}): ${JSON.stringify(name)} receives every frame on its link` +
        (because ? `; expected, as ${because}.` : ", which is what a packet sniffer sets.") +
        ` Investigate: \`ip -d link show ${shown}\`, find the process holding a packet socket with ` +
        "`ss -0 -p` (or `lsof | grep -i 'type=PACK'`), and `grep -l packet /proc/*/net/packet`; " +
        "tcpdump, wireshark, a bridge, or an IDS explain it — anything else does not.",
      path: dir,
    });
  }
  return findings;
}
