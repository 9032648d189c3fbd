/**
 * A fleet-wide ban with real processes and real firewalls: `mamori serve` with `server:` and an sshd jail
 * with `scope: fleet` (nftables) in a "server" namespace, one agent (`mamori agent run`, `ban_action:
 * nftables`) in an "office" namespace. The agent tails a file of sshd failures into group `auth`; the
 * server's jail counts them from the forwarded events, bans the address in its own nftables set and pushes
 * the ban, which the agent puts into its own nftables set (in its namespace) and its store.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { createNetns, linkNetns, type Netns, netnsUnavailable } from "../../src/actions/testing/netns.js";
import { cliInNetnsArgv, runCli } from "../../src/testing/cli.js";
import { waitFor } from "../../src/testing/wait.js";

const run = promisify(execFile);
const skip =
  netnsUnavailable(["nft"]) ??
  (fs.existsSync("/etc/fail2ban/filter.d/sshd.conf") ? undefined : "fail2ban's filter.d is not installed");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fleet-ban-"));
const children: ChildProcess[] = [];
const namespaces: Netns[] = [];

function spawnIn(ns: Netns, args: string[]): () => string {
  const child = spawn("ip", cliInNetnsArgv(ns.name, args), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d) => (out += d));
  child.stderr?.setEncoding("utf8").on("data", (d) => (out += d));
  children.push(child);
  return () => out;
}

const ATTACKER = "203.0.113.77";

describe("fleet ban across network namespaces", { skip }, () => {
  after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const ns of namespaces) ns.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("a jail with scope: fleet bans on the server's firewall and on the agent's", async () => {
    const serverNs = createNetns("mamori-fleetban");
    const officeNs = createNetns("mamori-fleetban");
    namespaces.push(serverNs, officeNs);
    const { aAddr: serverAddr } = linkNetns(
      serverNs,
      officeNs,
      `10.244.${10 + Math.floor(Math.random() * 200)}`,
    );
    const serverConfig = path.join(tmp, "server.yaml");
    fs.writeFileSync(
      serverConfig,
      [
        `data_dir: ${path.join(tmp, "server-data")}`,
        "hostname: fleet-server",
        "server:",
        `  listen: ${serverAddr}:1515`,
        `  name: ${serverAddr}`,
        "  heartbeat: 1s",
        "jails:",
        "  - name: sshd",
        "    filter: sshd",
        "    group: auth",
        "    maxretry: 3",
        "    findtime: 1h",
        "    bantime: 1h",
        "    action: nftables",
        "    ignoreip: []",
        "    scope: fleet",
        "",
      ].join("\n"),
    );
    const token = await runCli(["agents", "token", "create", "-c", serverConfig]);
    assert.equal(token.code, 0, token.stderr);
    const server = spawnIn(serverNs, ["serve", "-c", serverConfig]);
    const agentDir = path.join(tmp, "agent");
    const authLog = path.join(tmp, "auth.log");
    fs.writeFileSync(authLog, "");
    await waitFor("the fleet server", () => /fleet server listening/.test(server()), 40_000, 100);
    await run(
      "ip",
      cliInNetnsArgv(officeNs.name, [
        "agent",
        "enroll",
        "--token",
        token.stdout.trim(),
        "--name",
        "office-1",
        "--data-dir",
        agentDir,
      ]),
    );
    const cfg = path.join(agentDir, "agent.yaml");
    fs.writeFileSync(
      cfg,
      fs
        .readFileSync(cfg, "utf8")
        .replace("  ca_fingerprint:", "  ban_action: nftables\n  ca_fingerprint:")
        .replace(
          "sources: []",
          `sources: [{ type: file, path: ${authLog}, group: auth, start_position: start_of_file, poll_interval: 1s }]`,
        ),
    );
    const agent = spawnIn(officeNs, ["agent", "run", "--data-dir", agentDir]);
    await waitFor("the agent connected", () => /fleet agent: connected/.test(agent()), 40_000, 100);
    const now = new Date();
    const stamp =
      now.toLocaleString("en-US", { month: "short", timeZone: "UTC" }) +
      ` ${String(now.getUTCDate()).padStart(2, " ")} ${now.toISOString().slice(11, 19)}`;
    fs.appendFileSync(
      authLog,
      [1, 2, 3, 4]
        .map(
          (i) =>
            `${stamp} office-1 sshd[${4000 + i}]: Failed password for root from ${ATTACKER} port ${50000 + i} ssh2\n`,
        )
        .join(""),
    );
    const nftHas = async (ns: Netns) => (await ns.exec(["nft", "list", "ruleset"])).stdout.includes(ATTACKER);
    await waitFor("the ban in the server's nftables", () => nftHas(serverNs), 30_000, 200);
    await waitFor("the ban in the agent's nftables", () => nftHas(officeNs), 30_000, 200);
    assert.match(agent(), /fleet ban applied/);
    const list = await runCli(["bans", "list", "--config", cfg, "--json"]);
    const bans = list.stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      bans.map((b) => [b.jail, b.ip]),
      [["fleet", ATTACKER]],
      list.stderr,
    );
  });
});
