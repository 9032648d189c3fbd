/**
 * Network namespaces for tests and benches: the firewall actions run for real inside a namespace the
 * test creates (`ip netns exec NS ...`), so the host's own ruleset is never touched.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { type CommandResult, execRunner } from "../runner.js";

/** Why namespaces cannot be used here (not root, a tool missing), or undefined when they can. */
export function netnsUnavailable(tools: string[] = ["nft"]): string | undefined {
  if (process.getuid?.() !== 0)
    return "needs root to create network namespaces (run the tests as root or in CI's container)";
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"].filter(Boolean);
  for (const t of ["ip", ...tools]) {
    if (!dirs.some((d) => fs.existsSync(path.join(d, t))))
      return `${t} is not installed (scripts/install-test-deps.sh installs it)`;
  }
  return undefined;
}

export interface Netns {
  name: string;
  /** runs argv inside the namespace */
  exec(argv: string[], input?: string): Promise<CommandResult>;
  /** like exec, but throws on a non-zero exit */
  must(argv: string[], input?: string): Promise<string>;
  destroy(): void;
}

/** Creates `mamori-test-<random>` with loopback up. Call destroy() in after()/finally. */
export function createNetns(prefix = "mamori-test"): Netns {
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  execFileSync("ip", ["netns", "add", name]);
  const runner = execRunner({ netns: name });
  const ns: Netns = {
    name,
    exec: (argv, input) => runner.run(argv, { input }),
    async must(argv, input) {
      const r = await runner.run(argv, { input });
      if (r.code !== 0) throw new Error(`${argv.join(" ")} in ${name} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
    destroy() {
      try {
        execFileSync("ip", ["netns", "del", name], { stdio: "ignore" });
      } catch {
        // already gone
      }
    },
  };
  execFileSync("ip", ["netns", "exec", name, "ip", "link", "set", "lo", "up"]);
  return ns;
}

/**
 * Joins two namespaces with a veth pair: `a` gets PREFIX.1/24, `b` gets PREFIX.2/24 (PREFIX like
 * "10.231.7"). The pair disappears with the namespaces.
 */
export function linkNetns(a: Netns, b: Netns, prefix: string): { aAddr: string; bAddr: string } {
  const tag = randomBytes(3).toString("hex");
  const [ia, ib] = [`mmr${tag}a`, `mmr${tag}b`];
  execFileSync("ip", ["link", "add", ia, "type", "veth", "peer", "name", ib]);
  execFileSync("ip", ["link", "set", ia, "netns", a.name]);
  execFileSync("ip", ["link", "set", ib, "netns", b.name]);
  const aAddr = `${prefix}.1`;
  const bAddr = `${prefix}.2`;
  execFileSync("ip", ["-n", a.name, "addr", "add", `${aAddr}/24`, "dev", ia]);
  execFileSync("ip", ["-n", b.name, "addr", "add", `${bAddr}/24`, "dev", ib]);
  execFileSync("ip", ["-n", a.name, "link", "set", ia, "up"]);
  execFileSync("ip", ["-n", b.name, "link", "set", ib, "up"]);
  return { aAddr, bAddr };
}
