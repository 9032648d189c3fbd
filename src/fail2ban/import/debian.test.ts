/**
 * The real installed fail2ban config (Debian's jail.conf + jail.d/defaults-debian.conf, which enables
 * sshd), read as it is, and examples/fail2ban-sshd.yaml on top of it.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { parseConfig } from "../../config/load.js";
import type { ConfigProblem } from "../../core/errors.js";
import { deepChecks, fail2banImportStep, loadConfig } from "../../load-config.js";
import { runCli } from "../../testing/cli.js";
import { importFail2banJails } from "./index.js";

const ETC = "/etc/fail2ban";
const installed = fs.existsSync(path.join(ETC, "jail.conf"));
const skip = installed
  ? false
  : "Debian's fail2ban package is not installed (scripts/install-test-deps.sh installs it)";
const example = path.resolve(import.meta.dirname, "../../../examples/fail2ban-sshd.yaml");

describe("the installed /etc/fail2ban", { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-f2b-etc-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("yields the sshd jail with Debian's settings", () => {
    const r = importFail2banJails(ETC);
    assert.deepEqual(
      r.problems.filter((p) => p.severity === "error"),
      [],
    );
    const sshd = r.jails.find((j) => j.name === "sshd");
    assert.ok(sshd, "defaults-debian.conf enables sshd");
    assert.deepEqual(
      {
        filter: sshd.filter,
        mode: sshd.mode,
        group: sshd.group,
        maxretry: sshd.maxretry,
        findtime: sshd.findtime,
        bantime: sshd.bantime,
        action: sshd.action,
        port: sshd.port,
        protocol: sshd.protocol,
      },
      {
        filter: "/etc/fail2ban/filter.d/sshd.conf",
        mode: "normal",
        group: "/var/log/auth.log",
        maxretry: 5,
        findtime: 600,
        bantime: 600,
        action: "iptables",
        port: "ssh",
        protocol: "tcp",
      },
    );
    assert.deepEqual(
      r.sources.map((s) => [s.type, s.group, s.type === "file" && s.start_position]),
      [["file", "/var/log/auth.log", "end_of_file"]],
    );
  });

  it("`mamori config check` with fail2ban: {path: /etc/fail2ban} exits 0 and lists the jail", async () => {
    const file = path.join(dir, "mamori.yaml");
    fs.writeFileSync(file, `data_dir: ${dir}/data\nfail2ban: { path: /etc/fail2ban }\n`);
    const r = await runCli(["config", "check", "--config", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok \(1 sources, 0 metric filters, 0 alarms, 0 topics, 1 jails\)/);
    assert.match(
      r.stdout,
      /jail sshd: filter \/etc\/fail2ban\/filter\.d\/sshd\.conf, reads \/var\/log\/auth\.log, bans via iptables/,
    );
  });

  it("examples/fail2ban-sshd.yaml passes config check", () => {
    const { config } = loadConfig(example, { deep: true });
    assert.ok(config.jails.some((j) => j.name === "sshd" && j.filter === "/etc/fail2ban/filter.d/sshd.conf"));
    assert.ok(config.alarms.length > 0 && config.topics.length > 0);
  });

  it("the example's commented nftables jail, uncommented, passes too and replaces the imported sshd", () => {
    const text = fs
      .readFileSync(example, "utf8")
      .split("\n")
      .map((l) => l.replace(/^# ( *(jails:|- name:|[a-z_]+:))/, "$1"))
      .join("\n");
    assert.match(text, /^jails:$/m, "the jail block is uncommented");
    const warnings: ConfigProblem[] = [];
    const config = parseConfig(text, example, {
      steps: [fail2banImportStep],
      checks: deepChecks,
      onWarning: (p) => warnings.push(p),
    });
    const sshd = config.jails.filter((j) => j.name === "sshd");
    assert.deepEqual(
      sshd.map((j) => [j.action, j.filter, j.bantime_increment.enabled]),
      [["nftables", "sshd", true]],
    );
    assert.ok(warnings.some((w) => w.message.includes("instead of the fail2ban jail [sshd]")));
  });
});
