/**
 * `npm run bench -- fleet --scenario bans [--bans 100]`: fleet ban propagation, decision on the server →
 * the element in another host's firewall. Two network namespaces the bench creates (root only) joined by
 * a veth pair: in one a fleet server (`mamori serve`) whose sshd jail (maxretry 1, `scope: fleet`,
 * nftables) reads a file; in the other a real agent (`mamori agent run`, `ban_action: nftables`). The
 * bench appends one failed login per address, 300 ms apart, and watches the agent's namespace with
 * `nft monitor` for each element. Decision time = the ban's `start` in the server's store (when its jail
 * decided); element time = when `nft monitor` printed it. Also printed: line written → element.
 * CrowdSec's bouncers poll every 10 s (their default), so their figure is up to 10 s by design.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createNetns, linkNetns, type Netns, netnsUnavailable } from "../src/actions/testing/netns.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { runCli } from "../src/testing/cli.js";
import { loadNow, spawnMamori, stopChild, waitForLog } from "./fleet-proc.js";

const GAP_MS = 300;

function stamp(d: Date): string {
  return `${d.toLocaleString("en-US", { month: "short", timeZone: "UTC" })} ${String(d.getUTCDate()).padStart(2, " ")} ${d.toISOString().slice(11, 19)}`;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const addressOf = (i: number) => `203.0.${113 + Math.floor(i / 250)}.${1 + (i % 250)}`;

export async function runBans(count: number): Promise<void> {
  const why = netnsUnavailable(["nft"]);
  if (why) {
    process.stdout.write(`skipped: ${why}\n`);
    return;
  }
  if (!fs.existsSync("/etc/fail2ban/filter.d/sshd.conf")) {
    process.stdout.write("skipped: fail2ban's filter.d (the sshd filter) is not installed\n");
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-bench-fleet-bans-"));
  const namespaces: Netns[] = [];
  const children: ReturnType<typeof spawnMamori>[] = [];
  try {
    const serverNs = createNetns("mamori-bench");
    const agentNs = createNetns("mamori-bench");
    namespaces.push(serverNs, agentNs);
    const { aAddr } = linkNetns(serverNs, agentNs, `10.246.${10 + Math.floor(Math.random() * 200)}`);
    const authLog = path.join(dir, "server-auth.log");
    fs.writeFileSync(authLog, "");
    const cfg = path.join(dir, "server.yaml");
    fs.writeFileSync(
      cfg,
      [
        `data_dir: ${path.join(dir, "server-data")}`,
        "hostname: fleet-server",
        "server:",
        `  listen: ${aAddr}:1515`,
        `  name: ${aAddr}`,
        `sources: [{ type: file, path: ${authLog}, group: auth }]`,
        "jails:",
        "  - { name: sshd, filter: sshd, group: auth, maxretry: 1, findtime: 1h, bantime: 1h,",
        "      action: nftables, ignoreip: [], scope: fleet }",
        "",
      ].join("\n"),
    );
    const tok = await runCli(["agents", "token", "create", "-c", cfg]);
    if (tok.code !== 0) throw new Error(`agents token create failed: ${tok.stderr}`);
    const serverLog = path.join(dir, "server.log");
    const server = spawnMamori(["serve", "-c", cfg, "--no-http"], serverLog, [
      "ip",
      "netns",
      "exec",
      serverNs.name,
    ]);
    children.push(server);
    await waitForLog(serverLog, /fleet server listening/, 60_000, server);
    const agentDir = path.join(dir, "agent");
    const enrollLog = path.join(dir, "enroll.log");
    const enroll = spawnMamori(
      ["agent", "enroll", "--token", tok.stdout.trim(), "--name", "office-1", "--data-dir", agentDir],
      enrollLog,
      ["ip", "netns", "exec", agentNs.name],
    );
    await new Promise((r) => enroll.once("exit", r));
    if (enroll.exitCode !== 0) throw new Error(`agent enroll failed: ${fs.readFileSync(enrollLog, "utf8")}`);
    const agentCfg = path.join(agentDir, "agent.yaml");
    fs.writeFileSync(
      agentCfg,
      fs
        .readFileSync(agentCfg, "utf8")
        .replace("  ca_fingerprint:", "  ban_action: nftables\n  ca_fingerprint:"),
    );
    const agentLog = path.join(dir, "agent.log");
    const agent = spawnMamori(["agent", "run", "--data-dir", agentDir], agentLog, [
      "ip",
      "netns",
      "exec",
      agentNs.name,
    ]);
    children.push(agent);
    await waitForLog(agentLog, /fleet agent: connected/, 60_000, agent);

    // every element added in the agent's namespace, with the time nft printed it
    const seen = new Map<string, number>();
    const monitor = spawn("ip", ["netns", "exec", agentNs.name, "stdbuf", "-oL", "nft", "monitor"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let buf = "";
    monitor.stdout.setEncoding("utf8").on("data", (d: string) => {
      const at = Date.now();
      buf += d;
      let i = buf.indexOf("\n");
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        i = buf.indexOf("\n");
        if (!line.includes("element")) continue;
        for (const ip of line.match(/\d+\.\d+\.\d+\.\d+/g) ?? []) if (!seen.has(ip)) seen.set(ip, at);
      }
    });
    await new Promise((r) => setTimeout(r, 500)); // nft monitor subscribes
    const written = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const ip = addressOf(i);
      const now = new Date();
      written.set(ip, now.getTime());
      fs.appendFileSync(
        authLog,
        `${stamp(now)} fleet-server sshd[${4000 + i}]: Failed password for root from ${ip} port ${50000 + i} ssh2\n`,
      );
      await new Promise((r) => setTimeout(r, GAP_MS));
    }
    const load = loadNow();
    const until = Date.now() + 30_000;
    while (seen.size < count && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    monitor.kill("SIGTERM");
    for (const c of children) await stopChild(c, 10_000);
    const store = openSqliteStore(path.join(dir, "server-data"));
    const decided = new Map((await store.bans.active("sshd")).map((b) => [b.ip, b.start]));
    await store.close();
    const fromDecision: number[] = [];
    const fromLine: number[] = [];
    for (const [ip, at] of seen) {
      const d = decided.get(ip);
      if (d !== undefined) fromDecision.push(at - d);
      const w = written.get(ip);
      if (w !== undefined) fromLine.push(at - w);
    }
    const fmt = (xs: number[]) =>
      xs.length
        ? `p50 ${quantile(xs, 0.5)} ms, p99 ${quantile(xs, 0.99)} ms, max ${Math.max(...xs)} ms`
        : "none seen";
    process.stdout.write(
      `${count} fleet bans, one every ${GAP_MS} ms (load ${load}): decided on the server ${decided.size}, in the agent's nftables set ${seen.size}\n` +
        `  decision on the server → element in the agent's nftables: ${fmt(fromDecision)}\n` +
        `  line written on the server → element in the agent's nftables: ${fmt(fromLine)}\n`,
    );
  } finally {
    for (const c of children) await stopChild(c, 5_000);
    for (const ns of namespaces) ns.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
