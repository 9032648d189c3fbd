/** Reads the kernel's socket tables (/proc/net/tcp, tcp6, udp, udp6): the local ports each protocol uses. */
import fs from "node:fs/promises";
import path from "node:path";

export type Protocol = "tcp" | "udp";

/** Local ports found in the tables of a protocol (v4 and v6 together); a missing table counts as empty. */
export async function portsInUse(proc: string, protocol: Protocol): Promise<Set<number>> {
  const out = new Set<number>();
  for (const table of [protocol, `${protocol}6`]) {
    let text: string;
    try {
      text = await fs.readFile(path.join(proc, "net", table), "utf8");
    } catch {
      continue;
    }
    for (const port of localPorts(text)) out.add(port);
  }
  return out;
}

/** The local_address ports of a table's rows ("  0: 0100007F:1F90 ..." → 8080); the header row is skipped. */
export function localPorts(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*\d+:\s+[0-9A-Fa-f]+:([0-9A-Fa-f]{4})\s/.exec(line);
    if (m) out.push(Number.parseInt(m[1], 16));
  }
  return out;
}
