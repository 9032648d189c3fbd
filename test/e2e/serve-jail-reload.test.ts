/**
 * The daemon as a user runs it, with a jail: failures arrive over HTTP ingest, `mamori jails status`
 * shows them at once, a SIGHUP that only adds an alarm keeps the jail's failure counter (the third
 * failure bans), and a SIGHUP with a hosts-deny jail whose folder is missing is refused with the place
 * in the file while the old configuration keeps running.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { syslogDate } from "../../src/sources/journald/format.js";
import { runCli, spawnCli } from "../../src/testing/cli.js";
import { freePort, waitFor } from "../../src/testing/wait.js";

const FILTER_DIR = "/etc/fail2ban/filter.d";
const skip = fs.existsSync(path.join(FILTER_DIR, "sshd.conf"))
  ? false
  : "Debian's fail2ban package is not installed (scripts/install-test-deps.sh installs it)";

async function post(port: number, message: string): Promise<number | undefined> {
  try {
    const now = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}/v1/logs/auth/web1`, {
      method: "POST",
      headers: { authorization: "Bearer tok", "content-type": "application/json" },
      body: JSON.stringify({
        events: [{ timestamp: now, message: `${syslogDate(now)} web1 sshd[42]: ${message}` }],
      }),
    });
    return res.status;
  } catch {
    return undefined;
  }
}

const failure = "Failed password for root from 203.0.113.9 port 22 ssh2";

const config = (dataDir: string, port: number, extra = "", jailExtra = "") => `data_dir: ${dataDir}
filter_dirs: [${FILTER_DIR}]
sources:
  - type: http
    listen: 127.0.0.1:${port}
    tokens: [tok]
jails:
  - name: sshd
    filter: sshd
    group: auth
    maxretry: 3
    ignoreself: false
${jailExtra}${extra}`;

const alarm = `metric_filters:
  - name: sudo
    group: sudo
    pattern: sudo
    metric: { namespace: Host, name: Sudo }
alarms:
  - name: sudo
    metric: { namespace: Host, name: Sudo }
    statistic: Sum
    period: 60
    evaluation_periods: 1
    threshold: 1
    comparison: GreaterThanOrEqualToThreshold
`;

describe("mamori serve: a jail across SIGHUP", { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-serve-jail-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("status is current, an unrelated reload keeps the counter, a broken hosts-deny reload is refused", async () => {
    const dataDir = path.join(dir, "data");
    const file = path.join(dir, "mamori.yaml");
    const port = await freePort();
    fs.writeFileSync(file, config(dataDir, port));
    const child = spawnCli(["serve", "--no-http", "--config", file]);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const reloads = () => stderr.split("configuration reloaded").length - 1;
    try {
      assert.equal(await waitFor("the daemon to serve", () => post(port, failure)), 200);
      assert.equal(await post(port, failure), 200);

      // `jails status` tells the truth right after the failures
      const status = await waitFor("jails status to show the failures", async () => {
        const r = await runCli(["jails", "status", "sshd", "--config", file]);
        return /Total failed:\t2/.test(r.stdout) ? r.stdout : undefined;
      });
      assert.match(status, /Currently failed:\t1/);

      fs.writeFileSync(file, config(dataDir, port, alarm));
      child.kill("SIGHUP");
      await waitFor("the reload", () => reloads() === 1 || undefined);
      assert.equal(await post(port, failure), 200);
      const bans = await waitFor("the third failure to ban", async () => {
        const r = await runCli(["bans", "list", "--config", file, "--json"]);
        return r.stdout.includes("203.0.113.9") ? r.stdout : undefined;
      });
      assert.equal(JSON.parse(bans.trim().split("\n")[0]).jail, "sshd");

      // a hosts-deny jail whose folder does not exist: refused with the place, the old config runs
      const missing = path.join(dir, "no-such-folder", "hosts.deny");
      fs.writeFileSync(
        file,
        config(dataDir, port, alarm, `    action: hosts-deny\n    hosts_deny: ${missing}\n`),
      );
      const check = await runCli(["config", "check", "--config", file]);
      assert.equal(check.code, 2);
      assert.match(
        check.stdout + check.stderr,
        /mamori\.yaml:14:17: the folder of .*no-such-folder.* does not exist/,
      );
      child.kill("SIGHUP");
      await waitFor("the reload to be refused", () => stderr.includes("reload refused") || undefined);
      assert.match(stderr, /mamori\.yaml:14:17: .*does not exist/);
      assert.equal(await post(port, "Accepted publickey for alice from 198.51.100.1 port 22 ssh2"), 200);

      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
