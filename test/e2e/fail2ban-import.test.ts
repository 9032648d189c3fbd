/**
 * A fail2ban user switching: a fail2ban tree (jail.conf shaped like Debian's, jail.d enabling sshd,
 * jail.local with its logpath and `banaction = hostsdeny[file=...]`) and a mamori.yaml that only says
 * `fail2ban: {path}`. `mamori serve` tails the jail's log; failed logins appended to it end in a ban
 * that `mamori bans list --json` shows and that the hosts.deny file of the tree carries. Everything
 * lives in a temp folder; filters come from the installed /etc/fail2ban/filter.d.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { systemClock } from "../../src/core/clock.js";
import { fail2banTree, PATHS_TEST, STOCK_DEFAULTS } from "../../src/fail2ban/import/testing/tree.js";
import { syslogDate } from "../../src/sources/journald/format.js";
import { runCli, spawnCli } from "../../src/testing/cli.js";
import { waitFor } from "../../src/testing/wait.js";

/** Whether the daemon's debug log says it reads `file`. */
function opened(stderr: string, file: string): boolean {
  return stderr.split("\n").some((l) => l.includes('"reading file"') && l.includes(JSON.stringify(file)));
}

const installed = fs.existsSync("/etc/fail2ban/filter.d/sshd.conf");

describe("fail2ban: {path} end to end", {
  skip: installed ? false : "Debian's fail2ban is not installed",
}, () => {
  const tree = fail2banTree({
    "jail.conf": `${STOCK_DEFAULTS}\n[sshd]\nport    = ssh\nlogpath = %(sshd_log)s\nbackend = %(sshd_backend)s\n`,
    "paths-test.conf": PATHS_TEST,
    "jail.d/defaults-debian.conf": "[sshd]\nenabled = true\n",
    "jail.local": '[sshd]\nmaxretry = 3\nbanaction = hostsdeny[file="{dir}/hosts.deny"]\n',
    "log/auth.log": "",
    "hosts.deny": "# written by a person\nALL: 192.0.2.99\n",
  });
  after(() => tree.remove());

  it("bans after maxretry failed logins in the jail's log, through the fail2ban jail's banaction", async () => {
    const dir = tree.dir;
    const file = path.join(dir, "mamori.yaml");
    fs.writeFileSync(file, `data_dir: ${dir}/data\nfail2ban: { path: ${dir} }\n`);
    const check = await runCli(["config", "check", "--config", file]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /jail sshd: .*bans via hosts-deny/);

    // debug logs say when the file source has opened the log (at its end, as fail2ban's tail)
    const child = spawnCli(["serve", "--no-http", "--config", file], { env: { MAMORI_LOG_LEVEL: "debug" } });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      const log = path.join(dir, "log/auth.log");
      await waitFor("the source to open the log", () => opened(stderr, log) || undefined, 30_000);
      const stamp = syslogDate(systemClock.now());
      for (let i = 0; i < 3; i++)
        fs.appendFileSync(
          log,
          `${stamp} host sshd[${4000 + i}]: Failed password for invalid user admin from 203.0.113.7 port ${50000 + i} ssh2\n`,
        );
      const bans = await waitFor("the ban in bans list", async () => {
        const r = await runCli(["bans", "list", "--json", "--config", file]);
        const list = r.stdout
          .trim()
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { jail: string; ip: string; failures: number });
        return list.length ? list : undefined;
      });
      assert.deepEqual(
        bans.map((b) => [b.jail, b.ip, b.failures]),
        [["sshd", "203.0.113.7", 3]],
      );
      const deny = fs.readFileSync(path.join(dir, "hosts.deny"), "utf8");
      assert.match(deny, /^ALL: 203\.0\.113\.7$/m, deny);
      assert.match(deny, /^ALL: 192\.0\.2\.99$/m, "the person's line stays");
      child.kill("SIGTERM");
      assert.equal(await exited, 0, stderr);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
