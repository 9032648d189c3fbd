/**
 * Network namespaces for tests and benches: the firewall actions run for real inside a namespace the
 * test creates (`ip netns exec NS ...`), so the host's own ruleset is never touched.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { type CommandResult, execRunner } from "../runner.js";

/** Why namespaces cannot be used here (not root, a tool missing), or undefined when they can. */
export function netnsUnavailable(tools: string[] = ["nft"]): string | undefined {
  if (process.getuid?.() !== 0)
    return "needs root to create network namespaces (run the tests as root or in CI's container)";
  for (const t of ["ip", ...tools]) {
    try {
      execFileSync("sh", ["-c", 'command -v "$1"', "sh", t], {
        stdio: "ignore",
        env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
      });
    } catch {
      return `${t} is not installed (scripts/install-test-deps.sh installs it)`;
    }
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
