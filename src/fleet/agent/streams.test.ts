/**
 * Stream names of agent events on the server: the agent's name unless the source on the agent set one,
 * with the `{agent}`, `{agent_id}`, `{hostname}` and `{instance_id}` placeholders filled in on the agent.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { loadConfigFile } from "../../config/load.js";
import { systemClock } from "../../core/clock.js";
import { Daemon } from "../../daemon.js";
import { expandStream, resolveInstanceId } from "../../sources/shared/stream-template.js";
import { waitFor } from "../../testing/wait.js";
import { startTestServer, type TestServer } from "../testing/harness.js";
import { enrollAgent } from "./enroll.js";
import { agentFiles } from "./files.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fleet-streams-"));
let srv: TestServer;
let daemon: Daemon;
let agentId: string;

const source = (name: string, stream?: string) =>
  `  - { type: file, path: ${JSON.stringify(path.join(tmp, `${name}.log`))}, group: ${name}, start_position: start_of_file, poll_interval: 1s${stream ? `, stream: ${JSON.stringify(stream)}` : ""} }`;

before(async () => {
  srv = await startTestServer({ clock: systemClock, heartbeat: "1s" });
  const dataDir = path.join(tmp, "agent");
  agentId = (await enrollAgent({ token: await srv.token(), name: "web-7", dataDir })).id;
  for (const n of ["plain", "placeholders", "instance", "fixed"])
    fs.writeFileSync(path.join(tmp, `${n}.log`), `${n} line\n`);
  const file = agentFiles(dataDir).config;
  const own = fs.readFileSync(file, "utf8").replace(/^sources:.*\n/m, ""); // enroll writes `sources: []`
  fs.writeFileSync(
    file,
    own +
      [
        "sources:",
        source("plain"),
        source("placeholders", "{agent}/{agent_id}/{hostname}"),
        source("instance", "i-{instance_id}"),
        source("fixed", "nginx <front>"),
        "",
      ].join("\n"),
  );
  daemon = new Daemon({
    config: loadConfigFile(file).config,
    configPath: file,
    clock: systemClock,
    log: pino({ level: "silent" }),
  });
  await daemon.start();
});
after(async () => {
  await daemon?.stop();
  await srv.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const streamOf = (group: string) =>
  waitFor(`the ${group} line on the server`, async () => (await srv.store.logs.query({ group }))[0]?.stream);

describe("fleet: stream names of agent events", () => {
  it("is the agent's name by default; a source's own stream is kept, its placeholders filled in on the agent", async () => {
    assert.equal(await streamOf("plain"), "web-7");
    assert.equal(await streamOf("placeholders"), `web-7/${agentId}/${os.hostname()}`);
    assert.equal(await streamOf("instance"), `i-${resolveInstanceId(os.hostname())}`);
    assert.equal(await streamOf("fixed"), "nginx <front>");
  });

  it("on a host without a fleet agent {agent} and {agent_id} are the host name; {instance_id} falls back to it", () => {
    assert.equal(expandStream("{agent}|{agent_id}|{hostname}", { hostname: "db-1" }), "db-1|db-1|db-1");
    assert.equal(
      expandStream("{agent}@{hostname}", { hostname: "db-1", agent: { id: "ag-1", name: "web" } }),
      "web@db-1",
    );
    assert.equal(
      resolveInstanceId("db-1", {}, () => {
        throw new Error("ENOENT");
      }),
      "db-1",
    );
    assert.equal(
      resolveInstanceId("db-1", {}, () => "i-0abc\n"),
      "i-0abc",
    );
    assert.equal(
      resolveInstanceId("db-1", { MAMORI_INSTANCE_ID: "i-env" }, () => "i-0abc"),
      "i-env",
    );
  });

  it("the server refuses a batch whose stream is not 1-512 characters", async () => {
    const { parseBatch } = await import("../server/ingest.js");
    const ev = { id: 1, group: "g", timestamp: 1, message: "m" };
    assert.match(String(parseBatch({ seq: 1, events: [{ ...ev, stream: "" }] })), /stream must be 1-512/);
    assert.match(String(parseBatch({ seq: 1, events: [{ ...ev, stream: 5 }] })), /stream must be 1-512/);
    assert.equal(typeof parseBatch({ seq: 1, events: [{ ...ev, stream: "s" }] }), "object");
  });
});
