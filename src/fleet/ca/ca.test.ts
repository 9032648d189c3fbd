import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import tls from "node:tls";
import { systemClock } from "../../core/clock.js";
import {
  CsrError,
  certFingerprint,
  createCsr,
  fleetFiles,
  loadOrCreateCa,
  loadOrIssueServerCert,
  signClientCsr,
} from "./ca.js";
import { generateKeyPair, privateKeyPem } from "./keys.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-ca-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const mode = (f: string) => fs.statSync(f).mode & 0o777;

describe("fleet CA", () => {
  it("is created once, key 0600, and loads back with the same fingerprint", async () => {
    const dir = path.join(tmp, "a");
    const ca = await loadOrCreateCa(dir, systemClock);
    const files = fleetFiles(dir);
    assert.equal(mode(files.caKey), 0o600);
    assert.match(ca.fingerprint, /^[0-9a-f]{64}$/);
    assert.equal(certFingerprint(fs.readFileSync(files.caCert, "utf8")), ca.fingerprint);
    fs.chmodSync(files.caKey, 0o644);
    const again = await loadOrCreateCa(dir, systemClock);
    assert.equal(again.fingerprint, ca.fingerprint);
    assert.equal(mode(files.caKey), 0o600, "a loosened key file is made private again");
  });

  it("signs a server certificate (name + address SANs) and a client certificate from a CSR; mutual TLS 1.3 works", async () => {
    const dir = path.join(tmp, "b");
    const ca = await loadOrCreateCa(dir, systemClock);
    const server = await loadOrIssueServerCert(
      dir,
      ca,
      { name: "mamori.test", addresses: ["127.0.0.1"] },
      systemClock,
    );
    assert.equal(mode(fleetFiles(dir).serverKey), 0o600);
    const agentKeys = await generateKeyPair();
    const csr = await createCsr(agentKeys, "web-1");
    const clientPem = await signClientCsr(ca, csr, "agt-0001", systemClock);
    const x = new (await import("node:crypto")).X509Certificate(clientPem);
    assert.match(x.subject, /CN=agt-0001/);
    assert.ok(x.verify(new (await import("node:crypto")).X509Certificate(ca.certPem).publicKey));
    const srv = tls.createServer({
      key: server.keyPem,
      cert: server.certPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.3",
    });
    const seen = new Promise<string>((resolve) =>
      srv.on("secureConnection", (s) => {
        resolve(String((s.getPeerCertificate() as tls.PeerCertificate).subject.CN));
        s.end();
      }),
    );
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    for (const host of ["mamori.test", "127.0.0.1"]) {
      const sock = tls.connect({
        host: "127.0.0.1",
        port,
        servername: host === "127.0.0.1" ? undefined : host,
        checkServerIdentity: (_h, cert) => tls.checkServerIdentity(host, cert),
        ca: ca.certPem,
        key: await privateKeyPem(agentKeys.privateKey),
        cert: clientPem,
        minVersion: "TLSv1.3",
      });
      await new Promise<void>((resolve, reject) => {
        sock.once("secureConnect", () => {
          assert.equal(sock.getProtocol(), "TLSv1.3");
          sock.end();
          resolve();
        });
        sock.once("error", reject);
      });
    }
    assert.equal(await seen, "agt-0001");
    srv.close();
  });

  it("reissues the server certificate when its names change, keeping the key", async () => {
    const dir = path.join(tmp, "c");
    const ca = await loadOrCreateCa(dir, systemClock);
    const one = await loadOrIssueServerCert(dir, ca, { name: "a.test", addresses: [] }, systemClock);
    const same = await loadOrIssueServerCert(dir, ca, { name: "a.test", addresses: [] }, systemClock);
    assert.equal(same.certPem, one.certPem);
    const two = await loadOrIssueServerCert(
      dir,
      ca,
      { name: "a.test", addresses: ["10.0.0.1"] },
      systemClock,
    );
    assert.notEqual(two.certPem, one.certPem);
    assert.equal(two.keyPem, one.keyPem);
  });

  it("refuses a CSR that is garbage or whose signature does not verify", async () => {
    const ca = await loadOrCreateCa(path.join(tmp, "d"), systemClock);
    await assert.rejects(signClientCsr(ca, "not a csr <script>", "agt-x", systemClock), CsrError);
    const csr = await createCsr(await generateKeyPair(), "x");
    const body = csr.split("\n").slice(1, -2).join("");
    const der = Buffer.from(body, "base64");
    der[der.length - 5] ^= 0xff; // flip a bit in the signature
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
    await assert.rejects(signClientCsr(ca, tampered, "agt-x", systemClock), /does not verify|not a PEM/);
  });
});
