/**
 * "Run a check now" end to end in one process: a real fleet server, agents as real daemons over mutual
 * TLS; the request is written into the server's store as `mamori agents check` and the API write it.
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
import { runCli } from "../../testing/cli.js";
import { waitFor } from "../../testing/wait.js";
import { checkRequestRefusal, requestCheck } from "../server/check-request.js";
import { startTestServer, type TestServer } from "../testing/harness.js";
import { enrollAgent } from "./enroll.js";
import { agentFiles } from "./files.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fleet-checks-"));
const serverFile = path.join(tmp, "server.yaml");
const watched = path.join(tmp, "watched dir; $(touch x)");
let srv: TestServer;
const daemons: Daemon[] = [];
const agents: Record<string, { id: string; daemon: Daemon }> = {};

async function runAgent(name: string, group: string) {
  const dataDir = path.join(tmp, name);
  const e = await enrollAgent({ token: await srv.token({ group }), name, dataDir });
  const file = agentFiles(dataDir).config;
  const daemon = new Daemon({
    config: loadConfigFile(file).config,
    configPath: file,
    clock: systemClock,
    log: pino({ level: "silent" }),
  });
  await daemon.start();
  daemons.push(daemon);
  agents[name] = { id: e.id, daemon };
  await waitFor(`${name} connected`, () => srv.server.live.ids().includes(e.id));
}

const ask = (check: "fim" | "rootcheck" | "audit", target: Parameters<typeof requestCheck>[2]) =>
  requestCheck(srv.store.agents, check, target, { clock: systemClock, waitMs: 20_000 });

before(async () => {
  fs.mkdirSync(watched);
  fs.writeFileSync(path.join(watched, "passwd"), "root:x:0:0\n");
  fs.writeFileSync(
    serverFile,
    [
      "server: { name: localhost }",
      "agent_groups:",
      "  - name: hids",
      "    config:",
      `      fim: { scan_on_start: true, schedule: 1d, paths: [{ path: ${JSON.stringify(watched)} }] }`,
      "",
    ].join("\n"),
  );
  srv = await startTestServer({ clock: systemClock, heartbeat: "1s", configFile: serverFile });
  await runAgent("hids-1", "hids");
  await runAgent("plain-1", "plain");
  await waitFor("fim running on hids-1", () => agents["hids-1"].daemon.part("hids", "fim"));
});
after(async () => {
  for (const d of daemons) await d.stop();
  await srv.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("fleet: run a check now", () => {
  it("an agent with fim runs a scan at once: acked, and the change arrives as a mamori/fim event in its stream", async () => {
    const fim = agents["hids-1"].daemon.part("hids", "fim") as unknown as { idle(): Promise<void> };
    await fim.idle(); // the baseline of the scan at start
    fs.writeFileSync(path.join(watched, "passwd"), "root:x:0:0\nmallory:x:0:0\n");
    const out = await ask("fim", { agent: agents["hids-1"].id });
    assert.notEqual(out.sentAt, null);
    assert.deepEqual(
      out.results.map((r) => [r.name, r.ok, r.error]),
      [["hids-1", true, null]],
    );
    const change = await waitFor("the change on the server", async () => {
      await srv.pipeline.flushed();
      return (await srv.store.logs.query({ group: "mamori/fim" })).find((e) => e.message.includes("passwd"));
    });
    assert.equal(change.stream, "hids-1");
    assert.equal(JSON.parse(change.message).change, "modified");
    assert.ok(srv.log.has(/agent ran the check/));
  });

  it("an agent without that check configured answers with a clear error, which the server logs and records", async () => {
    const out = await ask("fim", { all: true });
    const byName = Object.fromEntries(out.results.map((r) => [r.name, r]));
    assert.equal(byName["hids-1"].ok, true);
    assert.equal(byName["plain-1"].ok, false);
    assert.match(
      String(byName["plain-1"].error),
      /fim is not configured on this agent: add fim: to its agent.yaml or to its group's config/,
    );
    assert.ok(srv.log.has(/agent could not run the check/));
    const rc = await ask("rootcheck", { group: "hids" });
    assert.deepEqual(
      rc.results.map((r) => [r.name, r.ok]),
      [["hids-1", false]],
    );
    assert.match(String(rc.results[0].error), /rootcheck is not configured/);
  });

  it("`mamori agents check` prints each agent's answer and exits 1 when one could not run it", async () => {
    const cfg = path.join(tmp, "cli.yaml");
    fs.writeFileSync(cfg, `data_dir: ${JSON.stringify(srv.dir)}\n`);
    const all = await runCli(["agents", "check", "--all", "fim", "-c", cfg, "--wait", "20s"]);
    assert.equal(all.code, 1, all.stdout + all.stderr);
    assert.match(all.stdout, new RegExp(`${agents["hids-1"].id}  hids-1 +ran fim\n`));
    assert.match(
      all.stdout,
      new RegExp(`${agents["plain-1"].id}  plain-1 +error: fim is not configured on this agent`),
    );
    const one = await runCli(["agents", "check", agents["hids-1"].id, "fim", "-c", cfg, "--json"]);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(
      one.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .map((j) => [j.name, j.check, j.state, j.error]),
      [["hids-1", "fim", "ok", null]],
    );
  });

  it("an agent not connected is answered for at once; bad requests are refused before anything is written", async () => {
    const d = agents["plain-1"].daemon;
    await d.stop();
    daemons.splice(daemons.indexOf(d), 1);
    await waitFor("plain-1 gone", () => !srv.server.live.ids().includes(agents["plain-1"].id));
    const out = await ask("audit", { agent: agents["plain-1"].id });
    assert.deepEqual(
      out.results.map((r) => [r.ok, r.error]),
      [[false, "not connected (disconnected)"]],
    );
    assert.match(
      String(await checkRequestRefusal(srv.store.agents, "yara", { all: true })),
      /unknown check "yara"; use one of fim, rootcheck, audit/,
    );
    assert.match(
      String(await checkRequestRefusal(srv.store.agents, "fim", { agent: "nope" })),
      /no agent "nope"/,
    );
    assert.match(
      String(await checkRequestRefusal(srv.store.agents, "fim", { group: "db" })),
      /no agent in group "db"/,
    );
    assert.equal(await checkRequestRefusal(srv.store.agents, "fim", { group: "hids" }), undefined);
  });
});
