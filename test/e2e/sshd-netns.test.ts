/**
 * The real thing: a real sshd (Debian's openssh-server) in a "server" network namespace, failed password
 * logins (sshpass + ssh) from an "attacker" namespace joined to it by a veth pair, and `mamori serve`
 * (inside the server namespace) tailing sshd's log with the sshd jail on the nftables action.
 * Checks: the attacker lands in mamori's nftables set after maxretry failures and its new connections are
 * refused; a SIGKILL + restart (with the ruleset wiped in between, as after a reboot) restores the ban
 * from the store; after bantime the daemon lifts it and connections are accepted again.
 * sshd and the failed logins: test/e2e/testing/sshd.ts.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { createNetns, linkNetns, type Netns, netnsUnavailable } from "../../src/actions/testing/netns.js";
import { cliInNetnsArgv, runCli } from "../../src/testing/cli.js";
import { waitFor } from "../../src/testing/wait.js";
import { failedLogin, SSHD, startSshd } from "./testing/sshd.js";

const PORT = 2222;
/**
 * Long enough that the ban outlives what comes between the ban and the restarted daemon restoring it
 * (a `bans list`, kill -9, wiping the table, a daemon start from source): at 8 s a loaded machine took
 * that long and the ban expired before the restart, so there was nothing left to restore.
 */
const BANTIME_S = 20;
const MAXRETRY = 3;

const skip =
  netnsUnavailable(["nft", "ssh", "sshpass", "ssh-keygen"]) ??
  (fs.existsSync(SSHD)
    ? undefined
    : "openssh-server is not installed (scripts/install-test-deps.sh installs it)") ??
  (fs.existsSync("/etc/fail2ban/filter.d/sshd.conf") ? undefined : "fail2ban's filter.d is not installed");

const PROBE = `
const s = require("net").connect({ host: process.argv[1], port: Number(process.argv[2]) });
const done = (r) => { console.log(r); process.exit(0); };
s.setTimeout(2000, () => done("timeout"));
s.on("connect", () => { s.destroy(); done("open"); });
s.on("error", (e) => done(e.code === "ECONNREFUSED" ? "refused" : e.code));
`;

/** A new TCP connection from the attacker: "open", "refused" or "timeout". */
function tcpProbe(att: Netns, server: string): string {
  return execFileSync(
    "ip",
    ["netns", "exec", att.name, process.execPath, "-e", PROBE, server, String(PORT)],
    { timeout: 10_000 },
  )
    .toString()
    .trim();
}

interface SetElem {
  ip: string;
  timeout?: number;
  expires?: number;
}

/** The sshd-v4 set's elements, or undefined when the set does not exist. */
async function nftSet(ns: Netns): Promise<SetElem[] | undefined> {
  const r = await ns.exec(["nft", "-j", "list", "set", "inet", "mamori", "sshd-v4"]);
  if (r.code !== 0) return undefined;
  const doc = JSON.parse(r.stdout) as {
    nftables: Array<{
      set?: { elem?: Array<string | { elem: { val: string; timeout?: number; expires?: number } }> };
    }>;
  };
  return (doc.nftables.find((x) => x.set)?.set?.elem ?? []).map((e) =>
    typeof e === "string" ? { ip: e } : { ip: e.elem.val, timeout: e.elem.timeout, expires: e.elem.expires },
  );
}

interface Daemon {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs the CLI inside the namespace (as an admin would there); throws with its stderr on failure. */
function cliIn(ns: Netns, args: string[], cwd: string): string {
  return execFileSync("ip", cliInNetnsArgv(ns.name, args), {
    cwd,
    timeout: 30_000,
  }).toString();
}

function startDaemon(ns: Netns, configFile: string, cwd: string): Daemon {
  const child = spawn("ip", cliInNetnsArgv(ns.name, ["serve", "--config", configFile]), {
    cwd,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, stderr: () => err, exited };
}

describe("e2e: real sshd in a network namespace, banned by mamori through nftables", {
  skip,
  timeout: 120_000,
}, () => {
  it("bans after maxretry failed logins, refuses the attacker, keeps the ban over a restart, lifts it after bantime", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-e2e-sshd-"));
    const children: ChildProcess[] = [];
    let srv: Netns | undefined;
    let att: Netns | undefined;
    try {
      srv = createNetns("mamori-test-srv");
      att = createNetns("mamori-test-att");
      const { aAddr: server, bAddr: attacker } = linkNetns(
        srv,
        att,
        `10.231.${1 + Math.floor(Math.random() * 250)}`,
      );
      const authLog = path.join(dir, "auth.log");
      fs.writeFileSync(authLog, "");
      const sshd = startSshd(srv, dir, { listen: server, port: PORT, authLog });
      children.push(sshd);
      await waitFor(
        "sshd to listen",
        () => (fs.readFileSync(authLog, "utf8").includes("Server listening") ? true : undefined),
        10_000,
      );
      assert.equal(tcpProbe(att, server), "open", "sshd accepts connections before any ban");

      const configFile = path.join(dir, "mamori.yaml");
      fs.writeFileSync(
        configFile,
        [
          "data_dir: ./data",
          "sources:",
          `  - { type: file, path: ${authLog}, group: auth, start_position: start_of_file }`,
          "filter_dirs: [/etc/fail2ban/filter.d]",
          "jails:",
          `  - { name: sshd, filter: sshd, group: auth, maxretry: ${MAXRETRY}, findtime: 10m, bantime: ${BANTIME_S}, action: nftables, port: ${PORT} }`,
          "",
        ].join("\n"),
      );
      let daemon = startDaemon(srv, configFile, dir);
      children.push(daemon.child);
      await waitFor(
        "mamori to run",
        () => (daemon.stderr().includes("mamori is running") ? true : undefined),
        30_000,
      );
      assert.deepEqual(await nftSet(srv), [], "the jail created its empty set at start");

      // failed logins until the ban shows up in the set; it must come by the maxretry-th attempt
      let attempts = 0;
      let banned: SetElem[] | undefined;
      while (!banned && attempts < MAXRETRY + 2) {
        attempts++;
        await failedLogin(att, server, PORT);
        banned = await waitFor(
          "the ban (or not)",
          async () => ((await nftSet(srv!))?.some((e) => e.ip === attacker) ? await nftSet(srv!) : undefined),
          1500,
        ).catch(() => undefined);
      }
      const log = fs.readFileSync(authLog, "utf8");
      assert.match(
        log,
        new RegExp(
          `sshd\\[\\d+\\]: Failed password for invalid user nosuchuser from ${attacker.replace(/\./g, "\\.")} port \\d+ ssh2`,
        ),
      );
      assert.ok(banned, `not banned after ${attempts} failed logins; mamori said:\n${daemon.stderr()}`);
      assert.ok(attempts <= MAXRETRY, `banned only after ${attempts} attempts (maxretry ${MAXRETRY})`);
      const elem = banned.find((e) => e.ip === attacker);
      assert.ok(
        elem?.timeout !== undefined && elem.timeout <= BANTIME_S,
        `element timeout ${elem?.timeout} should be the bantime`,
      );
      assert.equal(
        tcpProbe(att, server),
        "refused",
        "new connections from the attacker are refused (tcp reset)",
      );

      const list = await runCli(["bans", "list", "--json", "--config", configFile], { cwd: dir });
      assert.equal(list.code, 0, list.stderr);
      const rows = list.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        rows.map((r) => [r.jail, r.ip]),
        [["sshd", attacker]],
      );

      // kill -9, wipe the firewall (as a reboot would), start again: the ban comes back from the store
      daemon.child.kill("SIGKILL");
      await daemon.exited;
      await srv.must(["nft", "delete", "table", "inet", "mamori"]);
      assert.equal(await nftSet(srv), undefined);
      assert.equal(tcpProbe(att, server), "open", "without mamori's table the attacker gets in");
      daemon = startDaemon(srv, configFile, dir);
      children.push(daemon.child);
      const restored = await waitFor(
        "the ban to be restored",
        async () => (await nftSet(srv!))?.find((e) => e.ip === attacker),
        (BANTIME_S - 1) * 1000,
      );
      assert.ok(
        restored.timeout !== undefined && restored.timeout < BANTIME_S,
        `restored with the remaining time, not ${restored.timeout}`,
      );
      assert.equal(tcpProbe(att, server), "refused", "refused again after the restart");

      // after bantime: the daemon lifts it (set and store), and the attacker may connect again
      await waitFor(
        "the ban to end",
        async () => {
          if ((await nftSet(srv!))?.some((e) => e.ip === attacker)) return undefined;
          const r = await runCli(["bans", "list", "--json", "--config", configFile], { cwd: dir });
          return r.stdout.trim() === "" ? true : undefined;
        },
        (BANTIME_S + 10) * 1000,
      );
      assert.equal(tcpProbe(att, server), "open", "accepted after the ban ended");
      assert.match(daemon.stderr(), /unbanned 10\.231\.\d+\.2 \(ban expired\)/);

      // manual bans next to the running daemon: the CLI applies them at once, the daemon takes them over
      const add = cliIn(
        srv,
        ["bans", "add", "sshd", attacker, "--bantime", "1h", "--config", configFile],
        dir,
      );
      assert.match(add, /banned 10\.231\.\d+\.2 in sshd for 3600 s \(action nftables\)/);
      assert.equal(tcpProbe(att, server), "refused", "refused right after `bans add`");
      await waitFor(
        "the daemon to take the manual ban over",
        () => (/took over the ban of \S+ from the store/.test(daemon.stderr()) ? true : undefined),
        10_000,
      );
      cliIn(srv, ["bans", "del", "sshd", attacker, "--config", configFile], dir);
      assert.equal(tcpProbe(att, server), "open", "accepted right after `bans del`");
      await waitFor(
        "the daemon to see the manual unban",
        () => (/unbanned \S+ \(removed from the store\)/.test(daemon.stderr()) ? true : undefined),
        10_000,
      );

      daemon.child.kill("SIGTERM");
      assert.equal(await daemon.exited, 0, daemon.stderr());
      assert.ok(sshd.exitCode === null, "sshd is still running");
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await Promise.all(
        children.map((c) =>
          c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once("exit", r)) : undefined,
        ),
      );
      srv?.destroy();
      att?.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
