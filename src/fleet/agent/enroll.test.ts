import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfigFile } from "../../config/load.js";
import { systemClock } from "../../core/clock.js";
import { hashSecret, newToken } from "../enroll/token.js";
import { startTestServer, type TestServer } from "../testing/harness.js";
import { EnrollError, enrollAgent } from "./enroll.js";
import { agentFiles } from "./files.js";

let srv: TestServer;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-enroll-"));
before(async () => {
  srv = await startTestServer({ clock: systemClock });
});
after(async () => {
  await srv.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const dataDir = (n: string) => path.join(tmp, n);

describe("agent enrollment", () => {
  it("enrolls two agents with one token of 2 uses: distinct ids, key 0600, a valid agent.yaml", async () => {
    const token = await srv.token({ group: "web", uses: 2 });
    const a = await enrollAgent({ token, name: "web-1", dataDir: dataDir("a") });
    const b = await enrollAgent({ token, name: "web-1", dataDir: dataDir("b") });
    assert.notEqual(a.id, b.id, "two hosts with one name are two agents");
    assert.equal(a.group, "web");
    const files = agentFiles(dataDir("a"));
    assert.equal(fs.statSync(files.key).mode & 0o777, 0o600);
    const loaded = loadConfigFile(files.config);
    assert.equal(loaded.config.agent?.id, a.id);
    assert.equal(path.resolve(loaded.config.data_dir), dataDir("a"));
    const listed = await srv.store.agents.list();
    assert.deepEqual(
      listed.map((x) => [x.id, x.name, x.group, x.status]),
      [
        [a.id, "web-1", "web", "never_connected"],
        [b.id, "web-1", "web", "never_connected"],
      ],
    );
    // used up: the third is refused with what to do
    await assert.rejects(
      enrollAgent({ token, name: "web-3", dataDir: dataDir("c") }),
      (e: Error) =>
        e instanceof EnrollError &&
        /used as often as it allows/.test(e.message) &&
        // said once: "refused to enroll this agent: the enrollment token ...", no "enroll:" echo
        !/enroll:/.test(e.message),
    );
    assert.equal(fs.existsSync(agentFiles(dataDir("c")).config), false, "nothing saved when refused");
  });

  it("refuses an expired token and an unknown one, saying so", async () => {
    const expired = await srv.token({ ttlMs: -1 });
    await assert.rejects(enrollAgent({ token: expired, name: "x", dataDir: dataDir("e") }), /has expired/);
    const unknown = newToken({
      server: `localhost:${srv.port}`,
      ca: srv.server.caFingerprint as string,
    }).token;
    await assert.rejects(
      enrollAgent({ token: unknown, name: "x", dataDir: dataDir("u") }),
      /not known to this server/,
    );
  });

  it("refuses a server whose CA is not the token's pin, before sending the secret", async () => {
    const token = await srv.token();
    const parts = token.split(".");
    const body = JSON.parse(Buffer.from(parts[1], "base64url").toString());
    body.ca = "0".repeat(64);
    const forged = [parts[0], Buffer.from(JSON.stringify(body)).toString("base64url"), parts[2]].join(".");
    await assert.rejects(
      enrollAgent({ token: forged, name: "x", dataDir: dataDir("p") }),
      /does not present the CA of the token.*Nothing was sent/,
    );
    // the secret never reached the server: the token is still unused
    const t = (await srv.store.agents.tokens()).find((x) => x.hash === hashSecret(parts[2]));
    assert.equal(t?.used, 0);
    const fresh = await enrollAgent({ token, name: "x", dataDir: dataDir("p2") });
    assert.match(fresh.id, /^ag-[0-9a-f]{16}$/);
  });

  it("works with the server's address (IP SAN) and never overwrites an enrolled data dir", async () => {
    const token = await srv.token({ address: `127.0.0.1:${srv.port}`, uses: 2 });
    await enrollAgent({ token, name: "db-1", dataDir: dataDir("ip") });
    await assert.rejects(
      enrollAgent({ token, name: "db-1", dataDir: dataDir("ip") }),
      /already belongs to an enrolled agent/,
    );
  });

  it("refuses a malformed token with how to get a right one", async () => {
    await assert.rejects(
      enrollAgent({ token: "mamori-enroll.<script>.x", name: "x", dataDir: dataDir("m") }),
      /not an enrollment token/,
    );
  });
});
