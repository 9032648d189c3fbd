/**
 * A small LAN of network namespaces for the fleet e2e tests: a hub namespace (the fleet server) holding a
 * bridge, and any number of peer namespaces each joined to the bridge by its own veth pair with its own
 * address in one /24 (the hub is .1). Processes started in them are real `mamori` processes run from
 * source (`ip netns exec NS node --import tsx src/cli/bin.ts ...`; `ip` execs, so the child's pid is node's).
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createNetns, type Netns } from "../../../src/actions/testing/netns.js";
import { newToken, parseToken } from "../../../src/fleet/enroll/token.js";
import type { AgentStore } from "../../../src/store/agents.js";
import { type CliResult, cliInNetnsArgv } from "../../../src/testing/cli.js";
import { waitFor } from "../../../src/testing/wait.js";

export interface Lan {
  hub: Netns;
  hubAddr: string;
  peers: Record<string, { ns: Netns; addr: string }>;
  destroy(): void;
}

/** The hub and one namespace per peer name, addresses PREFIX.1 (hub), PREFIX.2, PREFIX.3, ... */
export function createLan(prefix: string, peerNames: string[]): Lan {
  const made: Netns[] = [];
  const destroy = () => {
    for (const ns of made) ns.destroy();
  };
  try {
    const hub = createNetns("mamori-lan");
    made.push(hub);
    const ipn = (ns: Netns, ...args: string[]) => execFileSync("ip", ["-n", ns.name, ...args]);
    ipn(hub, "link", "add", "br0", "type", "bridge");
    ipn(hub, "link", "set", "br0", "up");
    ipn(hub, "addr", "add", `${prefix}.1/24`, "dev", "br0");
    const peers: Lan["peers"] = {};
    peerNames.forEach((name, i) => {
      const ns = createNetns("mamori-lan");
      made.push(ns);
      const tag = randomBytes(3).toString("hex");
      const [hubEnd, peerEnd] = [`mml${tag}h`, `mml${tag}p`];
      execFileSync("ip", ["link", "add", hubEnd, "type", "veth", "peer", "name", peerEnd]);
      execFileSync("ip", ["link", "set", hubEnd, "netns", hub.name]);
      execFileSync("ip", ["link", "set", peerEnd, "netns", ns.name]);
      ipn(hub, "link", "set", hubEnd, "master", "br0");
      ipn(hub, "link", "set", hubEnd, "up");
      const addr = `${prefix}.${i + 2}`;
      ipn(ns, "addr", "add", `${addr}/24`, "dev", peerEnd);
      ipn(ns, "link", "set", peerEnd, "up");
      peers[name] = { ns, addr };
    });
    return { hub, hubAddr: `${prefix}.1`, peers, destroy };
  } catch (err) {
    destroy();
    throw err;
  }
}

export interface Proc {
  child: ChildProcess;
  /** stdout and stderr so far */
  out(): string;
  exited: Promise<void>;
  /** SIGKILL, and wait until it is gone */
  kill9(): Promise<void>;
}

/** Keeps every process a test started, so after() can end them all (only these, by pid). */
export class Procs {
  private readonly all: Proc[] = [];

  spawn(argv0: string, argv: string[]): Proc {
    const child = spawn(argv0, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (d) => (out += d));
    child.stderr?.setEncoding("utf8").on("data", (d) => (out += d));
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const alive = () => child.exitCode === null && child.signalCode === null;
    const p: Proc = {
      child,
      out: () => out,
      exited,
      async kill9() {
        if (alive()) child.kill("SIGKILL");
        await exited;
      },
    };
    this.all.push(p);
    return p;
  }

  /** `mamori ARGS` in the namespace */
  mamori(ns: Netns, args: string[]): Proc {
    return this.spawn("ip", cliInNetnsArgv(ns.name, args));
  }

  async killAll(): Promise<void> {
    await Promise.all(this.all.map((p) => p.kill9()));
  }
}

/**
 * Adds `agent:` keys (as `key: value` lines) and sources (flow-style YAML mappings) to the agent.yaml that
 * `mamori agent enroll` wrote in DATA_DIR, as an admin edits it before `mamori agent run`.
 */
export function configureAgent(dataDir: string, o: { agent?: string[]; sources: string[] }): void {
  const file = path.join(dataDir, "agent.yaml");
  const text = fs.readFileSync(file, "utf8");
  if (!text.includes("  ca_fingerprint:") || !text.includes("sources: []"))
    throw new Error(`${file} is not as \`mamori agent enroll\` writes it:\n${text}`);
  const keys = (o.agent ?? []).map((k) => `  ${k}\n`).join("");
  fs.writeFileSync(
    file,
    text
      .replace("  ca_fingerprint:", `${keys}  ca_fingerprint:`)
      .replace("sources: []", `sources:\n${o.sources.map((src) => `  - ${src}`).join("\n")}`),
  );
}

/** TOKEN with its CA pin swapped for another CA's fingerprint, its secret unchanged (a forged pin). */
export function withForeignCaPin(token: string): string {
  const [prefix, body, secret] = token.trim().split(".");
  const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  const otherCa = createHash("sha256").update("another CA").digest("hex");
  return `${prefix}.${Buffer.from(JSON.stringify({ ...payload, ca: otherCa })).toString("base64url")}.${secret}`;
}

/**
 * A token for the server that LIKE (one of its tokens) names, expired a minute before NOW: made by the
 * token module and added to the server's store, so no test waits for time to pass.
 */
export async function addExpiredToken(agents: AgentStore, like: string, now: number): Promise<string> {
  const { server, ca } = parseToken(like);
  const t = newToken({ server, ca });
  await agents.addToken({
    id: t.id,
    hash: t.hash,
    group: "default",
    uses: 1,
    used: 0,
    expiresAt: now - 60_000,
    createdAt: now - 120_000,
  });
  return t.token;
}

/** Whether the namespace's nftables ruleset holds `ip` (as a set element: rules name no addresses). */
export async function nftHas(ns: Netns, ip: string): Promise<boolean> {
  const r = await ns.exec(["nft", "-j", "list", "ruleset"]);
  return r.code === 0 && r.stdout.includes(`"${ip}"`);
}

/** The CLI inside a namespace, as an admin on that host runs it. */
export function cliIn(where: Netns, args: string[]): Promise<CliResult> {
  return new Promise((resolve) =>
    execFile("ip", cliInNetnsArgv(where.name, args), { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
}

/** Polls an nftables ruleset until `ip` is there (or gone): performance.now() when it changed. */
export function watchNft(
  where: Netns,
  ip: string,
  present: boolean,
  timeoutMs: number,
  everyMs = 25,
): Promise<number> {
  return waitFor(
    `${ip} ${present ? "in" : "gone from"} ${where.name}'s nftables`,
    async () => ((await nftHas(where, ip)) === present ? performance.now() : undefined),
    timeoutMs,
    everyMs,
  );
}

/** VmRSS of a process, in KiB. */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/**
 * N idle peers (IDLE_PEERS_SCRIPT) in the namespace against HOST:PORT, giving up after LIMIT ms.
 */
export function startIdlePeers(
  procs: Procs,
  where: Netns,
  host: string,
  port: number,
  n: number,
  limitMs: number,
): Proc {
  return procs.spawn("ip", [
    "netns",
    "exec",
    where.name,
    process.execPath,
    "-e",
    IDLE_PEERS_SCRIPT,
    host,
    String(port),
    String(n),
    String(limitMs),
  ]);
}

/**
 * A hostile peer's script (`node -e`): opens N idle connections to HOST:PORT, half plain TCP that never
 * start TLS, half TLS (ALPN h2, no client certificate) that never send a request. Prints "open N" once all
 * are up, "closed N" as the server closes them, and exits when all are closed or after LIMIT ms.
 */
export const IDLE_PEERS_SCRIPT = `
const net = require("net"), tls = require("tls");
const [host, port, n, limit] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4])];
let open = 0, closed = 0;
const up = () => { if (++open === n) console.log("open " + n); };
for (let i = 0; i < n; i++) {
  const s = i % 2 === 0
    ? net.connect({ host, port }, up)
    : tls.connect({ host, port, rejectUnauthorized: false, ALPNProtocols: ["h2"], minVersion: "TLSv1.3" }, up);
  s.on("error", () => {});
  s.resume(); // read (and drop) what the server sends, so its close is seen
  s.on("close", () => { closed++; if (closed % 100 === 0) console.log("closed " + closed + (s.encrypted ? " tls" : " tcp")); if (closed === n) process.exit(0); });
}
setTimeout(() => { console.log("gave up: closed " + closed + " of " + n); process.exit(1); }, limit);
`;
