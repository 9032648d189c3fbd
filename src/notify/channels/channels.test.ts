import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { AlarmMessage } from "../../alarms/message.js";
import { alarmNotification } from "../../alarms/notification.js";
import { subscriptionSchema } from "../../config/schema.js";
import { banNotification } from "../../jails/notice.js";
import { mailHeader, mailText, startHttpReceiver, startSmtpReceiver } from "../../testing/receivers.js";
import { createChannel } from "./index.js";

const ctx = { topic: "security", host: "ip-10-0-0-169" };
const neverAbort = new AbortController().signal;

const alarm: AlarmMessage = {
  AlarmName: "ssh-intrusion",
  AlarmDescription: "SSH connections closed before authentication",
  NewStateValue: "ALARM",
  NewStateReason:
    "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (25/11/26 08:21:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).",
  StateChangeTime: "2026-11-25T08:21:45.500+0000",
  OldStateValue: "INSUFFICIENT_DATA",
  Trigger: {
    MetricName: "SshPreauth",
    Namespace: "Security",
    StatisticType: "Statistic",
    Statistic: "SUM",
    Unit: null,
    Dimensions: [],
    Period: 60,
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    ComparisonOperator: "GreaterThanOrEqualToThreshold",
    Threshold: 1,
    TreatMissingData: "notBreaching",
  },
  Samples: [
    {
      timestamp: Date.UTC(2026, 10, 25, 8, 21, 45),
      logGroup: "/var/log/auth.log",
      logStream: "ip-10-0-0-169",
      message: "Nov 25 08:21:45 ip-10-0-0-169 sshd[24078]: Connection closed by 10.0.0.167 [preauth]",
    },
  ],
};
const alarmNote = alarmNotification(alarm);
const sub = (s: unknown) => subscriptionSchema.parse(s);
const deps = {};

describe("webhook and slack channels (local HTTP receiver)", () => {
  let rx: Awaited<ReturnType<typeof startHttpReceiver>>;
  before(async () => {
    rx = await startHttpReceiver();
  });
  after(() => rx.close());

  it("webhook: POSTs the CloudWatch alarm JSON with a verifiable X-Mamori-Signature", async () => {
    const secret = "s3cret";
    const ch = createChannel(sub({ type: "webhook", url: `${rx.url}/hook?token=abc`, secret }), deps);
    assert.equal(ch.id, `webhook:${rx.url}`, "no path or query string (tokens) in the id");
    await ch.send(alarmNote, ctx, neverAbort);
    const r = rx.requests.at(-1)!;
    assert.equal(r.headers["content-type"], "application/json");
    assert.equal(r.headers["x-mamori-event"], "alarm");
    const expected = `sha256=${createHmac("sha256", secret).update(r.body).digest("hex")}`;
    assert.equal(r.headers["x-mamori-signature"], expected);
    assert.deepEqual(JSON.parse(r.body), alarm);
  });

  it("webhook without a secret sends no signature", async () => {
    await createChannel(sub({ type: "webhook", url: `${rx.url}/plain` }), deps).send(
      alarmNote,
      ctx,
      neverAbort,
    );
    assert.equal(rx.requests.at(-1)!.headers["x-mamori-signature"], undefined);
  });

  it("slack: {text, blocks} with the facts and the sample line", async () => {
    await createChannel(sub({ type: "slack", url: `${rx.url}/services/T000/B000/XXXX` }), deps).send(
      alarmNote,
      ctx,
      neverAbort,
    );
    const body = JSON.parse(rx.requests.at(-1)!.body);
    assert.match(body.text, /ALARM\*: "ssh-intrusion" in mamori@ip-10-0-0-169/);
    assert.match(body.text, /INSUFFICIENT_DATA -&gt; ALARM/, "Slack shows &gt; as >");
    assert.match(body.text, /Threshold Crossed: 1 out of the last 1 datapoints/);
    assert.match(JSON.stringify(body.blocks), /Connection closed by 10\.0\.0\.167 \[preauth\]/);
  });

  it("slack url_file is read at send time (the config loader made it absolute)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-slack-"));
    try {
      fs.writeFileSync(path.join(dir, "slack.url"), `${rx.url}/from-file\n`);
      const ch = createChannel(sub({ type: "slack", url_file: path.join(dir, "slack.url") }), deps);
      await ch.send(alarmNote, ctx, neverAbort);
      assert.equal(rx.requests.at(-1)!.path, "/from-file");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a non-2xx answer fails, and the error never shows the URL path (Slack's secret)", async () => {
    rx.respond(500);
    try {
      const ch = createChannel(sub({ type: "slack", url: `${rx.url}/services/T000/B000/SECRETPATH` }), deps);
      await assert.rejects(ch.send(alarmNote, ctx, neverAbort), (err: Error) => {
        assert.match(err.message, /HTTP 500/);
        assert.doesNotMatch(err.message + ch.id, /SECRETPATH/);
        return true;
      });
    } finally {
      rx.respond(200);
    }
  });

  it("webhook: a secret URL path is in neither the id (deliveries, logs) nor the error", async () => {
    rx.respond(500);
    try {
      const ch = createChannel(sub({ type: "webhook", url: `${rx.url}/hooks/SECRETPATH-123` }), deps);
      await assert.rejects(ch.send(alarmNote, ctx, neverAbort), (err: Error) => {
        assert.match(err.message, /^webhook http:\/\/127\.0\.0\.1:\d+: HTTP 500/);
        assert.doesNotMatch(err.message + ch.id, /SECRETPATH/);
        return true;
      });
      assert.equal(rx.requests.at(-1)!.path, "/hooks/SECRETPATH-123", "the request itself goes to the path");
    } finally {
      rx.respond(200);
    }
  });

  it("a receiver that is down: the error says so", async () => {
    const down = await startHttpReceiver();
    await down.close();
    const ch = createChannel(sub({ type: "webhook", url: `${down.url}/x` }), deps);
    await assert.rejects(ch.send(alarmNote, ctx, neverAbort), /ECONNREFUSED/);
  });
});

describe("exec channel", () => {
  it("runs argv (no shell) with the message JSON on stdin", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-exec-"));
    try {
      const out = path.join(dir, "got.json");
      const script =
        "const fs=require('fs');let d='';process.stdin.on('data',c=>d+=c).on('end',()=>fs.writeFileSync(process.argv[1],JSON.stringify({d,topic:process.env.MAMORI_TOPIC,argv:process.argv.slice(2)})))";
      const ch = createChannel(
        sub({ type: "exec", command: [process.execPath, "-e", script, out, "$(touch /tmp/x)", "a b"] }),
        deps,
      );
      await ch.send(alarmNote, ctx, neverAbort);
      const got = JSON.parse(fs.readFileSync(out, "utf8"));
      assert.deepEqual(JSON.parse(got.d), alarm);
      assert.equal(got.topic, "security");
      assert.deepEqual(
        got.argv,
        ["$(touch /tmp/x)", "a b"],
        "arguments reach the program as written, not through a shell",
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a non-zero exit fails with the exit code and stderr", async () => {
    const ch = createChannel(
      sub({
        type: "exec",
        command: [process.execPath, "-e", "console.error('pager offline');process.exit(3)"],
      }),
      deps,
    );
    await assert.rejects(ch.send(alarmNote, ctx, neverAbort), /exited with 3: pager offline/);
  });

  it("a missing program fails with ENOENT", async () => {
    const ch = createChannel(sub({ type: "exec", command: ["/nonexistent/pager"] }), deps);
    await assert.rejects(ch.send(alarmNote, ctx, neverAbort), /ENOENT/);
  });

  it("abort kills the program", async () => {
    const ac = new AbortController();
    const ch = createChannel(
      sub({ type: "exec", command: [process.execPath, "-e", "setInterval(()=>{},1000)"] }),
      deps,
    );
    const p = ch.send(alarmNote, ctx, ac.signal);
    ac.abort(new Error("timed out"));
    await assert.rejects(p, /timed out/);
  });
});

describe("email channel (real SMTP server)", () => {
  it("sends the CloudWatch-shaped alarm e-mail", async () => {
    const smtp = await startSmtpReceiver();
    try {
      const ch = createChannel(sub({ type: "email", to: ["ops@example.com", "sec@example.com"] }), {
        ...deps,
        smtp: { host: "127.0.0.1", port: smtp.port, from: "mamori@example.com", secure: false },
      });
      await ch.send(alarmNote, ctx, neverAbort);
      const mail = await smtp.waitFor(1);
      assert.deepEqual(mail.to, ["ops@example.com", "sec@example.com"]);
      assert.equal(mail.from, "mamori@example.com");
      assert.equal(mailHeader(mail.raw, "Subject"), 'ALARM: "ssh-intrusion" in mamori@ip-10-0-0-169');
      const text = mailText(mail.raw);
      for (const want of [
        /- Name:\s+ssh-intrusion/,
        /- Description:\s+SSH connections closed before authentication/,
        /- State Change:\s+INSUFFICIENT_DATA -> ALARM/,
        /- Reason for State Change:\s+Threshold Crossed: 1 out of the last 1 datapoints \[1\.0 \(25\/11\/26 08:21:00\)\]/,
        /- Timestamp:\s+Wednesday 25 November, 2026 08:21:45 UTC/,
        /GreaterThanOrEqualToThreshold 1\.0 for at least 1 of the last 1 period\(s\) of 60 seconds/,
        /sshd\[24078\]: Connection closed by 10\.0\.0\.167 \[preauth\]/,
      ])
        assert.match(text, want);
    } finally {
      await smtp.close();
    }
  });

  it("a relay that is down: the error names host and port", async () => {
    const smtp = await startSmtpReceiver();
    await smtp.close();
    const ch = createChannel(sub({ type: "email", to: "ops@example.com" }), {
      ...deps,
      smtp: { host: "127.0.0.1", port: smtp.port, from: "m@x", secure: false },
    });
    await assert.rejects(
      ch.send(alarmNote, ctx, neverAbort),
      new RegExp(`SMTP 127\\.0\\.0\\.1:${smtp.port}: .*ECONNREFUSED`),
    );
  });
});

describe("ban e-mail", () => {
  it("says which jail, which address, how many failures, with the lines", async () => {
    const { subject, text } = banNotification(
      {
        jail: "sshd",
        ip: "203.0.113.5",
        action: "ban",
        failures: 5,
        bantime: 600,
        time: "2026-11-25T08:21:45.000Z",
        host: "host",
      },
      ["Nov 25 08:21:40 host sshd[1]: Failed password for root from 203.0.113.5 port 22 ssh2"],
    ).email(ctx);
    assert.equal(subject, 'BANNED: 203.0.113.5 by jail "sshd" in mamori@host');
    assert.match(
      text,
      /jail "sshd" on mamori@host banned 203\.0\.113\.5 for 600 seconds after 5 failure\(s\)/,
    );
    assert.match(text, /Failed password for root from 203\.0\.113\.5/);
  });
});

describe("text from logs arrives inert (Slack markup, e-mail headers)", () => {
  const hostileUser = "```<!channel> *URGENT* re-verify at evil.example/unban```";
  const hostileLine = `Nov 25 08:21:40 host sshd[1]: Failed password for invalid user ${hostileUser} from 203.0.113.5 port 22 ssh2`;
  const banEvent = {
    jail: "sshd",
    ip: "203.0.113.5",
    action: "ban" as const,
    failures: 5,
    bantime: 600,
    time: "2026-11-25T08:21:45.000Z",
    host: "host",
  };
  const ban = banNotification(banEvent, [hostileLine, "a <https://evil.example|click here> & <@U123>"]);
  const hostileAlarm = alarmNotification({
    ...alarm,
    AlarmName: "<!channel> `alarm`",
    Samples: [{ ...alarm.Samples[0], logStream: "<!here>`x`", message: hostileLine }],
  });
  /** every piece of text a Slack client would render as mrkdwn */
  const slackTexts = (body: { text: string; blocks: Array<{ text: { text: string } }> }) => [
    body.text,
    ...body.blocks.map((b) => b.text.text),
  ];

  let rx: Awaited<ReturnType<typeof startHttpReceiver>>;
  before(async () => {
    rx = await startHttpReceiver();
  });
  after(() => rx.close());

  for (const [name, note] of [
    ["a ban's log lines", ban],
    ["an alarm's sample lines and stream", hostileAlarm],
  ] as const) {
    it(`slack: ${name} can neither mention, link nor close the code block`, async () => {
      const ch = createChannel(sub({ type: "slack", url: `${rx.url}/services/T/B/X` }), deps);
      await ch.send(note, ctx, neverAbort);
      const body = JSON.parse(rx.requests.at(-1)!.body);
      const texts = slackTexts(body);
      for (const t of texts) {
        assert.doesNotMatch(t, /[<>]/, `no Slack control character left in ${JSON.stringify(t)}`);
        const fences = t.match(/```/g)?.length ?? 0;
        assert.ok(fences === 0 || fences === 2, `only mamori's own two fences: ${JSON.stringify(t)}`);
        if (fences === 2) assert.match(t, /```$/, "the block closes at its end");
      }
      const code = texts.find((t) => t.includes("```"))!;
      assert.match(code, /&lt;!channel&gt; \*URGENT\* re-verify at evil\.example\/unban/);
      assert.match(code, /\u02cb\u02cb\u02cb&lt;!channel&gt;/, "the user name's backticks are shown, inert");
    });
  }

  it("slack: a very long line is cut inside the block, which still closes", async () => {
    const long = banNotification(banEvent, ["<".repeat(5000)]);
    const ch = createChannel(sub({ type: "slack", url: `${rx.url}/services/T/B/X` }), deps);
    await ch.send(long, ctx, neverAbort);
    const code = JSON.parse(rx.requests.at(-1)!.body).blocks[1].text.text as string;
    assert.ok(code.length <= 2900, `block text fits Slack's limit (${code.length})`);
    assert.match(code, /^```(&lt;)+&?l?t?…```$/);
  });

  it("e-mail: CR/LF from a log can not start a header; the hostile user name stays in the body", async () => {
    const smtp = await startSmtpReceiver();
    try {
      const ch = createChannel(sub({ type: "email", to: "ops@example.com" }), {
        ...deps,
        smtp: { host: "127.0.0.1", port: smtp.port, from: "mamori@example.com", secure: false },
      });
      const injected = banNotification(
        { ...banEvent, host: "evil\r\nBcc: victim@example.com\r\nX-Injected: 1" },
        [hostileLine],
      );
      await ch.send(injected, ctx, neverAbort);
      const mail = await smtp.waitFor(1);
      assert.deepEqual(mail.to, ["ops@example.com"]);
      const head = mail.raw.slice(0, mail.raw.indexOf("\r\n\r\n"));
      assert.doesNotMatch(head, /^(Bcc|X-Injected):/im);
      assert.match(
        mailHeader(mail.raw, "Subject") ?? "",
        /in mamori@evil Bcc: victim@example\.com X-Injected: 1$/,
      );
      assert.match(
        mailText(mail.raw),
        /invalid user ```<!channel> \*URGENT\* re-verify at evil\.example\/unban```/,
      );
    } finally {
      await smtp.close();
    }
  });
});
