/**
 * End to end with real parts: `mamori serve` (a child process) tails a real file with
 * examples/ssh-preauth.yaml; appending a `[preauth]` line delivers an e-mail to a real SMTP server
 * (smtp-server, loopback, ephemeral port) within seconds (early firing). A restart keeps the ALARM and
 * sends nothing again. The VPC and CloudTrail examples deliver to a local HTTP receiver standing in for
 * the webhook and Slack; the webhook's signature verifies.
 *
 * The examples are used as written, with paths from their environment variables and the SMTP port
 * rewritten in a copy (`port: 25` → the test server's port).
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import zlib from "node:zlib";
import { formatVpcFlowRecord, VPC_CUSTOM_29_FIELDS } from "../../bench/gen/vpc-flow.js";
import { repoRoot, runCli, spawnCli } from "../../src/testing/cli.js";
import { mailHeader, mailText, startHttpReceiver, startSmtpReceiver } from "../../src/testing/receivers.js";
import { waitFor } from "../../src/testing/wait.js";

interface Daemon {
  child: ChildProcess;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

async function serve(config: string, env: NodeJS.ProcessEnv, cwd: string): Promise<Daemon> {
  const child = spawnCli(["serve", "--no-http", "--config", config], { env: { TZ: "UTC", ...env }, cwd });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const d: Daemon = {
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
  await waitFor(
    "the daemon to run",
    () => stderr.includes("mamori is running") || (child.exitCode !== null && "exited"),
  ).then((v) => {
    if (v === "exited") throw new Error(`mamori serve exited:\n${stderr}`);
  });
  return d;
}

/** `Nov 23 20:21:45` for now (UTC; the daemon runs with TZ=UTC). */
function syslogNow(): string {
  const d = new Date();
  const mon = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${mon} ${String(d.getUTCDate()).padStart(2, " ")} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-e2e-alarm-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("e2e: ssh [preauth] → alarm → e-mail", () => {
  it("delivers the alarm e-mail with the sample line, and a restart does not send it again", async () => {
    const smtp = await startSmtpReceiver();
    const dir = fs.mkdtempSync(path.join(tmp, "ssh-"));
    const authLog = path.join(dir, "auth.log");
    fs.writeFileSync(authLog, "");
    const config = path.join(dir, "ssh-preauth.yaml");
    const example = fs.readFileSync(path.join(repoRoot, "examples/ssh-preauth.yaml"), "utf8");
    fs.writeFileSync(config, example.replace("port: 25", `port: ${smtp.port}`));
    const env = {
      MAMORI_AUTH_LOG: authLog,
      MAMORI_DATA_DIR: path.join(dir, "data"),
      MAMORI_START_POSITION: "start_of_file",
      ALERT_EMAIL: "ops@example.com",
    };
    let daemon = await serve(config, env, dir);
    try {
      // the seed's line, dated now (a line dated Nov 25 read on another day is an old event: its minute is long closed)
      const line = `${syslogNow()} ip-10-0-0-169 sshd[24078]: Connection closed by 10.0.0.167 [preauth]`;
      fs.appendFileSync(
        authLog,
        "Nov 23 00:00:01 ip-10-0-0-169 sshd[1]: Server listening on 0.0.0.0 port 22.\n",
      );
      const appendedAt = performance.now();
      fs.appendFileSync(authLog, `${line}\n`);
      const mail = await smtp.waitFor(1, 20_000);
      const seconds = (performance.now() - appendedAt) / 1000;
      assert.ok(seconds < 10, `the e-mail took ${seconds.toFixed(1)} s (early firing should make it ~1 s)`);
      assert.deepEqual(mail.to, ["ops@example.com"]);
      assert.match(mailHeader(mail.raw, "Subject") ?? "", /^ALARM: "ssh-intrusion" in mamori@/);
      const body = mailText(mail.raw);
      assert.match(body, /- Name:\s+ssh-intrusion/);
      assert.match(body, /- State Change:\s+INSUFFICIENT_DATA -> ALARM/);
      assert.match(
        body,
        /- Reason for State Change:\s+Threshold Crossed: 1 out of the last 1 datapoints \[1\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:00\)\] was greater than or equal to the threshold \(1\.0\) \(minimum 1 datapoint for OK -> ALARM transition\)\./,
      );
      assert.ok(body.includes(line), `the sample line is in the body:\n${body}`);
      assert.doesNotMatch(body, /Server listening/, "only lines that matched are samples");

      // restart: the ALARM is remembered and not sent again
      assert.equal(await daemon.stop(), 0);
      daemon = await serve(config, env, dir);
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(smtp.mails.length, 1, "no second e-mail after the restart");
      const list = await runCli(["alarms", "list", "--config", config, "--json"], { env, cwd: dir });
      assert.equal(JSON.parse(list.stdout.split("\n")[0]).StateValue, "ALARM");
      const history = await runCli(["alarms", "history", "ssh-intrusion", "--config", config, "--json"], {
        env,
        cwd: dir,
      });
      const types = history.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).HistoryItemType);
      assert.deepEqual(types.filter((t: string) => t === "StateUpdate").length, 1);
    } finally {
      await daemon.stop();
      await smtp.close();
    }
  });
});

describe("e2e: VPC exfiltration → signed webhook; CloudTrail console login → Slack", () => {
  it("delivers both to a local HTTP receiver; the webhook signature verifies", async () => {
    const rx = await startHttpReceiver();
    const dir = fs.mkdtempSync(path.join(tmp, "cloud-"));
    const vpcDir = path.join(dir, "vpc");
    const ctDir = path.join(dir, "cloudtrail");
    fs.mkdirSync(vpcDir);
    fs.mkdirSync(ctDir);
    const secret = "exfil-secret";
    const env = {
      MAMORI_DATA_DIR: path.join(dir, "data"),
      MAMORI_VPC_LOGS: path.join(vpcDir, "*.log.gz"),
      MAMORI_CLOUDTRAIL: path.join(ctDir, "*.json.gz"),
      EXFIL_WEBHOOK_URL: `${rx.url}/exfil`,
      EXFIL_WEBHOOK_SECRET: secret,
      SLACK_WEBHOOK_URL: `${rx.url}/services/T000/B000/XXXX`,
    };
    const vpc = await serve(path.join(repoRoot, "examples/vpc-exfiltration.yaml"), env, dir);
    const ct = await serve(
      path.join(repoRoot, "examples/console-login-slack.yaml"),
      { ...env, MAMORI_DATA_DIR: path.join(dir, "data-ct") },
      dir,
    );
    try {
      const nowSec = Math.floor(Date.now() / 1000);
      const flow = (over: Record<string, string>) =>
        formatVpcFlowRecord(
          {
            version: "5",
            "account-id": "123456789012",
            action: "ACCEPT",
            "az-id": "use1-az1",
            "interface-id": "eni-0a1b2c3d4e5f60718",
            bytes: "250000",
            dstaddr: "198.51.100.7",
            dstport: "443",
            start: String(nowSec - 5),
            end: String(nowSec),
            "flow-direction": "egress",
            "log-status": "OK",
            ...over,
          },
          VPC_CUSTOM_29_FIELDS,
        );
      const lines = [
        VPC_CUSTOM_29_FIELDS.join(" "),
        flow({ dstaddr: "123.123.123.123" }),
        flow({}),
        flow({ bytes: "500" }),
      ];
      fs.writeFileSync(
        path.join(vpcDir, "123456789012_vpcflowlogs_us-east-1_fl-1.log.gz"),
        zlib.gzipSync(`${lines.join("\n")}\n`),
      );
      const record = (ip: string) => ({
        eventVersion: "1.08",
        eventTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        eventName: "ConsoleLogin",
        eventSource: "signin.amazonaws.com",
        awsRegion: "us-east-1",
        recipientAccountId: "123456789012",
        sourceIPAddress: ip,
        responseElements: { ConsoleLogin: "Success" },
      });
      fs.writeFileSync(
        path.join(ctDir, "123456789012_CloudTrail_us-east-1_1.json.gz"),
        zlib.gzipSync(JSON.stringify({ Records: [record("203.0.113.10"), record("198.51.100.99")] })),
      );

      const exfil = await waitFor(
        "the exfiltration webhook",
        () => rx.requests.find((r) => r.path === "/exfil"),
        30_000,
      ).catch((err) => {
        throw new Error(`${err.message}\n${vpc.stderr()}`);
      });
      assert.equal(
        exfil.headers["x-mamori-signature"],
        `sha256=${createHmac("sha256", secret).update(exfil.body).digest("hex")}`,
      );
      const alarm = JSON.parse(exfil.body);
      assert.equal(alarm.AlarmName, "vpc-exfiltration");
      assert.equal(alarm.NewStateValue, "ALARM");
      assert.equal(alarm.Trigger.Namespace, "Test/Flowlogs");
      assert.deepEqual(
        alarm.Samples.map((s: { message: string }) => s.message),
        [flow({})],
        "only the non-allow-listed large egress flow",
      );

      const slack = await waitFor(
        "the Slack message",
        () => rx.requests.find((r) => r.path.startsWith("/services/")),
        30_000,
      );
      const payload = JSON.parse(slack.body);
      assert.match(payload.text, /ALARM\*: "console-login-unknown-ip"/);
      assert.match(JSON.stringify(payload.blocks), /198\.51\.100\.99/);
      assert.doesNotMatch(JSON.stringify(payload.blocks), /203\.0\.113\.10/);
      assert.doesNotMatch(ct.stderr(), /B000\/XXXX/, "the Slack URL is never logged");
    } finally {
      await vpc.stop();
      await ct.stop();
      await rx.close();
    }
  });
});
