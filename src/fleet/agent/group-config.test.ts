import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { loadConfigFile, parseConfig } from "../../config/load.js";
import { systemClock } from "../../core/clock.js";
import { Daemon } from "../../daemon.js";
import { waitFor } from "../../testing/wait.js";
import { startTestServer, type TestServer } from "../testing/harness.js";
import { enrollAgent } from "./enroll.js";
import { agentFiles } from "./files.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fleet-groupcfg-"));
const serverFile = path.join(tmp, "server.yaml");
const groupLog = path.join(tmp, "group.log");
const watched = path.join(tmp, "watched");
const serverText = [
  "server: { name: localhost }",
  "agent_groups:",
  "  - name: web",
  "    config:",
  "      sources:",
  `        - { type: file, path: ${groupLog}, group: grp, start_position: start_of_file, poll_interval: 1s }`,
  "  - name: bad",
  "    config:",
  "      jails:",
  "        - name: sshd",
  "          filter: sshd",
  "          group: auth",
  "          notify: [security]",
  "  - name: hids",
  "    config:",
  `      fim: { scan_on_start: true, paths: [{ path: ${watched} }] }`,
  "",
].join("\n");
let srv: TestServer;
const daemons: Daemon[] = [];

before(async () => {
  fs.writeFileSync(serverFile, serverText);
  fs.writeFileSync(groupLog, "pushed by the group config\n");
  fs.mkdirSync(watched);
  fs.writeFileSync(path.join(watched, "passwd"), "root:x:0:0\n");
  srv = await startTestServer({ clock: systemClock, heartbeat: "1s", configFile: serverFile });
});
after(async () => {
  for (const d of daemons) await d.stop();
  await srv.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function runAgent(name: string, group: string): Promise<{ id: string; daemon: Daemon }> {
  const dataDir = path.join(tmp, name);
  const e = await enrollAgent({ token: await srv.token({ group }), name, dataDir });
  const file = agentFiles(dataDir).config;
  const loaded = loadConfigFile(file);
  const daemon = new Daemon({
    config: loaded.config,
    configPath: file,
    clock: systemClock,
    log: pino({ level: process.env.TEST_LOG ?? "silent" }),
  });
  await daemon.start();
  daemons.push(daemon);
  return { id: e.id, daemon };
}

describe("agent group config", () => {
  it("an agent runs its group's config, pushed when it connects, without a restart", async () => {
    const { id, daemon } = await runAgent("web-1", "web");
    await waitFor(
      "the group's source running on the agent",
      () => daemon.stats().sources && Object.keys(daemon.stats().sources as object).length === 1,
    );
    await waitFor(
      "its line on the server",
      async () => (await srv.store.logs.query({ group: "grp" })).length === 1,
    );
    await waitFor(
      "the version reported",
      async () => (await srv.store.agents.get(id))?.configVersion ?? undefined,
    );
    const first = String((await srv.store.agents.get(id))?.configVersion);
    assert.match(first, /^[0-9a-f]{12}$/);
    // the server's file changes and the server reloads: the connected agent gets the new config
    const second = path.join(tmp, "second.log");
    fs.writeFileSync(second, "from the second source\n");
    fs.writeFileSync(
      serverFile,
      serverText.replace(
        "  - name: bad",
        `        - { type: file, path: ${second}, group: grp2, start_position: start_of_file, poll_interval: 1s }\n  - name: bad`,
      ),
    );
    srv.server.configChanged();
    await waitFor(
      "the second source's line",
      async () => (await srv.store.logs.query({ group: "grp2" })).length === 1,
    );
    await waitFor("the new version reported", async () => {
      const v = (await srv.store.agents.get(id))?.configVersion;
      return v && v !== first ? v : undefined;
    });
    assert.equal(Object.keys(daemon.stats().sources as object).length, 2);
  });

  it("a group config's host check (fim) runs on the agent without a restart", async () => {
    const { id, daemon } = await runAgent("hids-1", "hids");
    await waitFor("fim running on the agent", () => (daemon.stats().hids as Record<string, unknown>).fim);
    await waitFor(
      "the version reported",
      async () => (await srv.store.agents.get(id))?.configVersion ?? undefined,
    );
    assert.deepEqual(Object.keys(daemon.stats().sources as object), [], "no source came with it");
    const fim = daemon.part("hids", "fim") as unknown as { idle(): Promise<void>; scanNow(): Promise<void> };
    await fim.idle(); // the baseline
    fs.writeFileSync(path.join(watched, "passwd"), "root:x:0:0\nmallory:x:0:0\n");
    await fim.scanNow();
    const change = await waitFor("the change as a mamori/fim event on the server", async () => {
      await srv.pipeline.flushed();
      return (await srv.store.logs.query({ group: "mamori/fim" })).find((e) => e.message.includes("passwd"));
    });
    assert.equal(change.stream, "hids-1");
    assert.equal(JSON.parse(change.message).change, "modified");
  });

  it("a group config the agent rejects keeps the old one running and is reported at the server file's line:col", async () => {
    const { id, daemon } = await runAgent("bad-1", "bad");
    const rejected = await waitFor("config_rejected", async () => {
      await srv.pipeline.flushed();
      const events = (await srv.store.logs.query({ group: "mamori/agents" })).map((e) =>
        JSON.parse(e.message),
      );
      return events.find((e) => e.event === "config_rejected" && e.agent === id);
    });
    const written = fs.readFileSync(serverFile, "utf8").split("\n"); // as the server has it now
    const line = written.findIndex((l) => l.includes("notify: [security]")) + 1;
    const col = written[line - 1].indexOf("security") + 1;
    assert.ok(
      rejected.problems.some(
        (p: string) => p.startsWith(`${serverFile}:${line}:${col}: `) && /unknown topic "security"/.test(p),
      ),
      JSON.stringify(rejected.problems),
    );
    assert.deepEqual(
      Object.keys(daemon.stats().jails as object),
      [],
      "the old config (no jails) keeps running",
    );
    assert.equal((await srv.store.agents.get(id))?.configVersion, null);
    assert.ok(srv.log.has(/agent rejected its group config/));
  });

  it("the server checks each group's config with its own file's line:col before anything is pushed", () => {
    const text =
      "server: { name: localhost }\nagent_groups:\n  - name: web\n    config:\n      sources:\n        - { type: file, group: g }\n      metric_filters: []\n";
    assert.throws(
      () => parseConfig(text, "/etc/mamori/server.yaml"),
      (e: Error) =>
        /\/etc\/mamori\/server.yaml:6:11: /.test(e.message) &&
        /server.yaml:5:7: Unrecognized key: "metric_filters" \(a group config sets only sources:, jails:, fim:, rootcheck: and audit:\)/.test(
          e.message,
        ),
    );
  });

  it("the server checks a group's host check keys at its own file's line:col", () => {
    const text =
      "server: { name: localhost }\nagent_groups:\n  - name: web\n    config:\n      fim: { paths: [{ path: /etc, realtme: true }] }\n      rootcheck: { bogus: 1 }\n";
    assert.throws(
      () => parseConfig(text, "/etc/mamori/server.yaml"),
      (e: Error) =>
        /server.yaml:5:\d+: Unrecognized key: "realtme"/.test(e.message) &&
        /server.yaml:6:\d+: Unrecognized key: "bogus"/.test(e.message),
    );
  });
});
