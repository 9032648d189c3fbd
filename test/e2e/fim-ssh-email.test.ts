/**
 * End to end with real parts: `mamori serve` (a child process) with examples/fim-etc-ssh.yaml on a temp
 * root holding etc/ssh and a copy of the host's dpkg entries for openssh (status stanzas + md5sums).
 * Restoring a conffile to its packaged content is recorded with its package and e-mails nobody; an edit
 * of sshd_config e-mails (real smtp-server) within seconds, naming the file, with the diff and
 * "no package explains this change".
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/index.js";
import { repoRoot, spawnCli } from "../../src/testing/cli.js";
import { mailHeader, mailText, startSmtpReceiver } from "../../src/testing/receivers.js";
import { waitFor } from "../../src/testing/wait.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-e2e-fim-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function stanza(status: string, pkg: string): string {
  const s = status.split(/\n\n/).find((x) => x.startsWith(`Package: ${pkg}\n`));
  if (!s)
    throw new Error(
      `${pkg} is not installed on this host (scripts/install-test-deps.sh installs openssh-server)`,
    );
  return s;
}

async function serve(config: string, env: NodeJS.ProcessEnv, cwd: string) {
  const child: ChildProcess = spawnCli(["serve", "--no-http", "--config", config], {
    env: { TZ: "UTC", ...env },
    cwd,
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  await waitFor(
    "the daemon to run",
    () => stderr.includes("mamori is running") || (child.exitCode !== null && "exited"),
  ).then((v) => {
    if (v === "exited") throw new Error(`mamori serve exited:\n${stderr}`);
  });
  return {
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

describe("e2e: /etc/ssh changed, no package explains it → e-mail", () => {
  it("e-mails the sshd_config edit with its diff; a packaged restore sends nothing", async () => {
    const smtp = await startSmtpReceiver();
    const root = path.join(tmp, "root");
    const ssh = path.join(root, "etc/ssh");
    const info = path.join(root, "var/lib/dpkg/info");
    fs.mkdirSync(ssh, { recursive: true });
    fs.mkdirSync(info, { recursive: true });
    const status = fs.readFileSync("/var/lib/dpkg/status", "utf8");
    fs.writeFileSync(
      path.join(root, "var/lib/dpkg/status"),
      `${stanza(status, "openssh-server")}\n\n${stanza(status, "openssh-client")}\n\n`,
    );
    for (const pkg of ["openssh-server", "openssh-client"])
      fs.copyFileSync(`/var/lib/dpkg/info/${pkg}.md5sums`, path.join(info, `${pkg}.md5sums`));
    const packagedSshConfig = fs.readFileSync("/etc/ssh/ssh_config");
    fs.writeFileSync(path.join(ssh, "ssh_config"), "# tampered before the baseline\n");
    fs.writeFileSync(
      path.join(ssh, "sshd_config"),
      "Port 22\nPermitRootLogin no\nPasswordAuthentication no\n",
    );

    const config = path.join(tmp, "fim-etc-ssh.yaml");
    const example = fs.readFileSync(path.join(repoRoot, "examples/fim-etc-ssh.yaml"), "utf8");
    fs.writeFileSync(config, example.replace("port: 25", `port: ${smtp.port}`));
    const dataDir = path.join(tmp, "data");
    const env = { MAMORI_FIM_ROOT: root, MAMORI_DATA_DIR: dataDir, ALERT_EMAIL: "ops@example.com" };
    const daemon = await serve(config, env, tmp);
    const store = openSqliteStore(dataDir);
    const fim = async () =>
      (await store.logs.query({ group: "mamori/fim", limit: 1000, orderById: true })).map((e) =>
        JSON.parse(e.message),
      );
    try {
      await waitFor("the baseline", async () => (await fim()).some((e) => e.change === "baseline"), 20_000);

      // an "upgrade": ssh_config back to what openssh-client shipped — explained, no e-mail. Renamed over
      // the old file whole, as a package manager installs it: written in place, the truncated file is a
      // real state a realtime check may see, and an empty ssh_config is rightly an unexplained change
      fs.writeFileSync(path.join(tmp, "ssh_config.new"), packagedSshConfig);
      fs.renameSync(path.join(tmp, "ssh_config.new"), path.join(ssh, "ssh_config"));
      const restored = await waitFor(
        "the restore event",
        async () => (await fim()).find((e) => e.path.endsWith("/ssh_config")),
        10_000,
      );
      assert.match(restored.package, /^openssh-client \S+$/);
      assert.equal(restored.unexplained, undefined);

      const editedAt = performance.now();
      fs.writeFileSync(
        path.join(ssh, "sshd_config"),
        "Port 22\nPermitRootLogin yes\nPasswordAuthentication no\n",
      );
      const mail = await smtp.waitFor(1, 20_000).catch((err) => {
        throw new Error(`${err.message}\n${daemon.stderr()}`);
      });
      const seconds = (performance.now() - editedAt) / 1000;
      assert.ok(seconds < 10, `the e-mail took ${seconds.toFixed(1)} s`);
      assert.deepEqual(mail.to, ["ops@example.com"]);
      assert.match(mailHeader(mail.raw, "Subject") ?? "", /^ALARM: "ssh-config-changed" in mamori@/);
      const body = mailText(mail.raw);
      assert.ok(body.includes(`${ssh}/sshd_config`), `the file is named:\n${body}`);
      assert.ok(body.includes("-PermitRootLogin no"), `the diff is in it:\n${body}`);
      assert.ok(body.includes("+PermitRootLogin yes"), `the diff is in it:\n${body}`);
      assert.ok(body.includes("no package explains this change"), body);
      assert.ok(!body.includes(`${ssh}/ssh_config`), "the explained restore is not a sample");
      assert.match(body, /^ {4}-PermitRootLogin no$/m, "the diff as plain lines");
      assert.equal(smtp.mails.length, 1);
    } finally {
      await store.close();
      await daemon.stop();
      await smtp.close();
    }
  });
});
