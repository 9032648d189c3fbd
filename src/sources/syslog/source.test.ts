import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import dgram from "node:dgram";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import tls from "node:tls";
import { promisify } from "node:util";
import { waitFor } from "../../testing/wait.js";
import { testContext } from "../shared/testing/context.js";
import { syslogSourceSchema } from "./config.js";
import { syslog } from "./index.js";
import type { SyslogSource } from "./source.js";

const run = promisify(execFile);

async function startSyslog(listen: string, extra: Record<string, unknown> = {}) {
  const config = syslogSourceSchema.parse({ type: "syslog", listen, group: "syslog", ...extra });
  const t = testContext({ id: syslog.defaultId(config) });
  const source = syslog.create(config, t.ctx) as SyslogSource;
  const ac = new AbortController();
  const running = source.run(ac.signal);
  await Promise.race([source.listening, running]);
  const stop = async () => {
    ac.abort();
    await running;
  };
  const storedCount = async (n: number) => {
    await waitFor(`${n} stored events`, async () => (await t.stored("syslog")).length >= n);
    return t.stored("syslog");
  };
  return { t, source, stop, storedCount };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

test("UDP: RFC 3164, RFC 5424, malformed and over-long datagrams", async () => {
  const { source, stop, storedCount } = await startSyslog("udp://127.0.0.1:0", { max_message_bytes: 200 });
  try {
    const client = dgram.createSocket("udp4");
    const send = (m: string) =>
      new Promise<void>((r, j) =>
        client.send(Buffer.from(m), source.port, "127.0.0.1", (e) => (e ? j(e) : r())),
      );
    await send(
      "<38>Nov 25 08:00:01 web1 sshd[4242]: Connection closed by 203.0.113.5 port 50122 [preauth]\n",
    );
    await send("<34>1 2023-11-25T08:00:02.500Z db1.example.com su - ID47 - 'su root' failed");
    await send("this is not syslog");
    await send(`<13>Nov 25 08:00:03 web2 app: ${"x".repeat(500)}`);
    client.close();
    const events = await storedCount(4);
    const byStream = new Map(events.map((e) => [e.stream, e]));
    const web1 = byStream.get("web1")!;
    assert.equal(
      web1.message,
      "Nov 25 08:00:01 web1 sshd[4242]: Connection closed by 203.0.113.5 port 50122 [preauth]",
    );
    const db1 = byStream.get("db1.example.com")!;
    assert.equal(db1.timestamp, Date.UTC(2023, 10, 25, 8, 0, 2, 500));
    const raw = byStream.get("127.0.0.1")!; // malformed: stream is the peer, message kept as is
    assert.equal(raw.message, "this is not syslog");
    assert.equal(byStream.get("web2")!.message.length, 200 - 4);
    assert.deepEqual(
      { ...source.stats(), connections: 0 },
      {
        received: 4,
        rfc3164: 2,
        rfc5424: 1,
        malformed: 1,
        connections: 0,
        tls_errors: 0,
        dropped: 0,
        lost_in_store: 0,
        cut: 1,
        partial: 0,
        bad_length: 0,
        connections_refused: 0,
        connections_timed_out: 0,
        open_connections: 0,
      },
    );
  } finally {
    await stop();
  }
});

test("TCP: newline and octet-counting connections, an over-long frame, a peer gone mid-message", async () => {
  const { source, stop, storedCount } = await startSyslog("tcp://127.0.0.1:0", { max_message_bytes: 100 });
  try {
    const lines = await connect(source.port);
    lines.write("<38>Nov 25 08:00:01 h1 sshd[1]: one\n<38>Nov 25 08:00:02 h1 sshd[1]: tw");
    lines.write(
      `o\n<38>Nov 25 08:00:03 h1 app: ${"L".repeat(300)}\n<38>Nov 25 08:00:04 h1 app: still here\n`,
    );
    lines.end();
    const octets = await connect(source.port);
    const m1 = "<165>1 2023-11-25T08:00:05Z h2 app - - - first\nline";
    const m2 = "<165>1 2023-11-25T08:00:06Z h2 app - - - half of a message";
    octets.write(`${Buffer.byteLength(m1)} ${m1}`);
    octets.write(`${Buffer.byteLength(m2) + 50} ${m2}`); // promises 50 bytes more, then hangs up
    octets.destroy();
    const events = await storedCount(6);
    const messages = events.map((e) => e.message).sort();
    assert.deepEqual(messages, [
      "1 2023-11-25T08:00:05Z h2 app - - - first\nline",
      "1 2023-11-25T08:00:06Z h2 app - - - half of a message",
      "Nov 25 08:00:01 h1 sshd[1]: one",
      "Nov 25 08:00:02 h1 sshd[1]: two",
      `Nov 25 08:00:03 h1 app: ${"L".repeat(100 - 28)}`,
      "Nov 25 08:00:04 h1 app: still here",
    ]);
    const s = source.stats();
    assert.equal(s.connections, 2);
    assert.equal(s.cut, 1);
    assert.equal(s.partial, 1);
    assert.equal(s.malformed, 0);
  } finally {
    await stop();
  }
});

test("TCP: util-linux logger as a real peer (RFC 5424, octet counting) and stream set in config", async () => {
  const { source, stop, storedCount } = await startSyslog("tcp://127.0.0.1:0", {
    stream: "fleet-{hostname}",
  });
  try {
    const port = String(source.port);
    await run("logger", [
      "--server",
      "127.0.0.1",
      "--port",
      port,
      "--tcp",
      "--octet-count",
      "--rfc5424",
      "-t",
      "deploy",
      "release 42 done",
    ]);
    await run("logger", [
      "--server",
      "127.0.0.1",
      "--port",
      port,
      "--tcp",
      "--rfc3164",
      "-t",
      "cron",
      "job ok",
    ]);
    const events = await storedCount(2);
    assert.ok(events.every((e) => e.stream === "fleet-testhost"));
    assert.ok(events.some((e) => e.message.includes("deploy") && e.message.endsWith("release 42 done")));
    assert.ok(events.some((e) => e.message.includes("cron") && e.message.endsWith("job ok")));
    assert.equal(source.stats().malformed, 0);
  } finally {
    await stop();
  }
});

test("TLS: a self-signed certificate; plain TCP clients are refused", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mamori-syslog-tls-"));
  try {
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ]);
    const { source, stop, storedCount } = await startSyslog("tls://127.0.0.1:0", { tls: { cert, key } });
    try {
      const ca = await readFile(cert);
      const client = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ port: source.port, host: "127.0.0.1", ca }, () => resolve(s));
        s.once("error", reject);
      });
      assert.ok(client.authorized, "the client verified the receiver's certificate");
      const m = "<86>1 2023-11-25T08:00:07Z bastion sshd 99 - - Accepted publickey for ops";
      client.end(`${Buffer.byteLength(m)} ${m}`);
      const plain = await connect(source.port);
      plain.end("<13>Nov 25 08:00:08 spy app: not encrypted\n");
      const events = await storedCount(1);
      await waitFor("the plain-text client to be refused", () => source.stats().tls_errors >= 1);
      assert.deepEqual(
        events.map((e) => [e.stream, e.message]),
        [["bastion", "1 2023-11-25T08:00:07Z bastion sshd 99 - - Accepted publickey for ops"]],
      );
    } finally {
      await stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a port already in use makes run() reject (the daemon restarts it with backoff)", async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
  try {
    const port = (blocker.address() as net.AddressInfo).port;
    const config = syslogSourceSchema.parse({
      type: "syslog",
      listen: `tcp://127.0.0.1:${port}`,
      group: "g",
    });
    const source = syslog.create(config, testContext().ctx);
    await assert.rejects(source.run(new AbortController().signal), /EADDRINUSE/);
  } finally {
    blocker.close();
  }
});
