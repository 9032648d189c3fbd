/**
 * End to end: a hostile SSH user name, sent over HTTPS ingest (a token scoped to the auth group, a
 * certificate made here), gets its address banned by the sshd jail; the ban notice reaches a local Slack
 * receiver and a real SMTP server inert: no channel ping, no closed code block, no extra header. The
 * SMTP port and the token come from the environment as `${...}` (a number where the schema wants one).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { serve } from "../../src/sources/shared/testing/e2e.js";
import { mailText, startHttpReceiver, startSmtpReceiver } from "../../src/testing/receivers.js";
import { freePort, waitFor } from "../../src/testing/wait.js";

const HOSTILE_USER = "```<!channel> *URGENT* re-verify at evil.example/unban```";
const TOKEN = "e2e-ingest-token-5d41402abc4b2a76";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-e2e-hostile-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** POSTs events over HTTPS, trusting the test's own certificate; resolves with the status. */
function ingest(port: number, ca: Buffer, token: string, group: string, messages: string[]): Promise<number> {
  const body = JSON.stringify({ events: messages.map((message) => ({ timestamp: Date.now(), message })) });
  return new Promise((resolve, reject) => {
    const req = https.request(
      `https://127.0.0.1:${port}/v1/logs/${encodeURIComponent(group)}/bastion`,
      { method: "POST", ca, agent: false, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("e2e: a hostile user name → ban → Slack and e-mail, inert", () => {
  it("pings no one, closes no block, adds no header; a token outside its group gets 403", async () => {
    const cert = path.join(tmp, "cert.pem");
    const key = path.join(tmp, "key.pem");
    await promisify(execFile)("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=IP:127.0.0.1"],
    ]);
    const ca = fs.readFileSync(cert);
    const slack = await startHttpReceiver();
    const smtp = await startSmtpReceiver();
    const port = await freePort();
    const config = path.join(tmp, "mamori.yaml");
    fs.writeFileSync(
      config,
      `data_dir: ${path.join(tmp, "data")}
sources:
  - type: http
    listen: 127.0.0.1:${port}
    tokens:
      - { token: "\${INGEST_TOKEN}", groups: [auth] }
      - { token: other-token, groups: [app] }
    tls: { cert: ${cert}, key: ${key} }
topics:
  - name: security
    subscriptions:
      - { type: slack, url: "\${SLACK_WEBHOOK_URL}" }
      - { type: email, to: ops@example.com }
smtp:
  host: 127.0.0.1
  port: \${SMTP_PORT}
  from: mamori@example.com
jails:
  - name: sshd
    filter: sshd
    group: auth
    maxretry: 2
    action: dry-run
    notify: [security]
`,
    );
    const env = {
      INGEST_TOKEN: TOKEN,
      SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/secret`,
      SMTP_PORT: String(smtp.port),
    };
    const daemon = await serve(config, env, tmp);
    try {
      // sources start in the background: the HTTPS listener binds after its certificate is read
      await waitFor("the ingest listener", () => daemon.log().includes("http ingest listening"));
      const line = (pid: number) =>
        `sshd[${pid}]: Failed password for invalid user ${HOSTILE_USER} from 203.0.113.5 port 22 ssh2`;
      assert.equal(
        await ingest(port, ca, "other-token", "auth", [line(1)]),
        403,
        "app's token may not feed the jail",
      );
      assert.equal(await ingest(port, ca, TOKEN, "auth", [line(2), line(3)]), 200);

      const req = await slack.waitFor(1, 30_000);
      const body = JSON.parse(req.body) as { text: string; blocks: Array<{ text: { text: string } }> };
      const texts = [body.text, ...body.blocks.map((b) => b.text.text)];
      assert.match(body.text, /BANNED\* 203\.0\.113\.5 by jail "sshd"/);
      for (const t of texts) {
        assert.doesNotMatch(t, /<!channel>|[<>]/, t);
        const fences = t.match(/```/g)?.length ?? 0;
        assert.ok(fences === 0 || (fences === 2 && t.startsWith("```") && t.endsWith("```")), t);
      }
      assert.ok(
        texts.some((t) => t.includes("&lt;!channel&gt; *URGENT*")),
        "the user name is shown, inert",
      );

      const mail = await smtp.waitFor(1, 30_000);
      assert.deepEqual(mail.to, ["ops@example.com"]);
      assert.match(
        mailText(mail.raw),
        /invalid user ```<!channel> \*URGENT\* re-verify at evil\.example\/unban```/,
      );
      assert.doesNotMatch(daemon.log(), /e2e-ingest-token|\/services\/T0\/B0\/secret/);
    } finally {
      await daemon.stop();
      await slack.close();
      await smtp.close();
    }
  });
});
