/**
 * The fleet with real processes and real TLS across namespaces: `mamori serve` with `server:` in a
 * "server" network namespace, two agents enrolled with one token (`--uses 2`) running `mamori agent run`
 * in an "office" namespace behind one address (as behind one NAT). Checks: both enroll with distinct ids
 * and show as active from the same address; their file sources' lines land in the server's store under
 * their group with stream = agent name; an agent killed with SIGKILL mid-stream and started again
 * delivers every line exactly once; a revoked agent is cut off; a copy of a live agent's data dir (a cloned
 * VM) started beside it is refused as `clone_suspected` while the original goes on, and gets in when the
 * original stops answering.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { createNetns, linkNetns, type Netns, netnsUnavailable } from "../../src/actions/testing/netns.js";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/index.js";
import { cliInNetnsArgv, runCli } from "../../src/testing/cli.js";
import { waitFor } from "../../src/testing/wait.js";
import { configureAgent } from "./testing/fleet-lan.js";

const run = promisify(execFile);
const skip = netnsUnavailable([]);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-fleet-e2e-"));
const children: ChildProcess[] = [];
let serverNs: Netns;
let officeNs: Netns;
let serverAddr: string;
let officeAddr: string;
let serverStore: SqliteStore;
let serverOut: () => string;
/** web-1 as restarted after its kill -9, still running for the clone test */
let web1Again: ReturnType<typeof spawnIn>;
const serverConfig = path.join(tmp, "server.yaml");
const agentDir = (n: string) => path.join(tmp, n);

function spawnIn(ns: Netns, args: string[]): { child: ChildProcess; out: () => string } {
  const child = spawn("ip", cliInNetnsArgv(ns.name, args), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d) => (out += d));
  child.stderr?.setEncoding("utf8").on("data", (d) => (out += d));
  children.push(child);
  return { child, out: () => out };
}

async function startAgent(name: string) {
  const a = spawnIn(officeNs, ["agent", "run", "--data-dir", agentDir(name)]);
  await waitFor(`${name} connected`, () => /fleet agent: connected/.test(a.out()), 40_000, 100);
  return a;
}

const lines = async (group: string, stream: string) =>
  (await serverStore.logs.query({ group, streams: [stream], limit: 100_000 })).map((e) => e.message);

describe("fleet across network namespaces", { skip }, () => {
  before(async () => {
    serverNs = createNetns("mamori-fleet");
    officeNs = createNetns("mamori-fleet");
    const octet = 10 + Math.floor(Math.random() * 200);
    ({ aAddr: serverAddr, bAddr: officeAddr } = linkNetns(serverNs, officeNs, `10.243.${octet}`));
    fs.writeFileSync(
      serverConfig,
      `data_dir: ${path.join(tmp, "server-data")}\nserver:\n  listen: ${serverAddr}:1515\n  name: ${serverAddr}\n  heartbeat: 1s\n`,
    );
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await serverStore?.close();
    serverNs?.destroy();
    officeNs?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("enrolls two agents behind one address, forwards exactly once across a kill -9, and cuts off a revoked one", async () => {
    const token = await runCli([
      "agents",
      "token",
      "create",
      "-c",
      serverConfig,
      "--uses",
      "2",
      "--group",
      "web",
    ]);
    assert.equal(token.code, 0, token.stderr);
    const server = spawnIn(serverNs, ["serve", "-c", serverConfig]);
    serverOut = server.out;
    await waitFor("the fleet server", () => /fleet server listening/.test(server.out()), 40_000, 100);
    const ids: string[] = [];
    await Promise.all(
      ["web-1", "web-2"].map(async (name) => {
        const { stdout } = await run(
          "ip",
          cliInNetnsArgv(officeNs.name, [
            "agent",
            "enroll",
            "--token",
            token.stdout.trim(),
            "--name",
            name,
            "--data-dir",
            agentDir(name),
          ]),
        );
        ids.push(/enrolled as (ag-[0-9a-f]+)/.exec(stdout)?.[1] ?? "");
        fs.writeFileSync(path.join(tmp, `${name}.log`), "");
        configureAgent(agentDir(name), {
          sources: [
            `{ type: file, path: ${path.join(tmp, `${name}.log`)}, group: auth, start_position: start_of_file, poll_interval: 1s }`,
          ],
        });
      }),
    );
    assert.equal(new Set(ids).size, 2, "two agents, two ids");
    const [web1] = await Promise.all([startAgent("web-1"), startAgent("web-2")]);
    serverStore = openSqliteStore(path.join(tmp, "server-data"));
    const write = (name: string, from: number, to: number) =>
      fs.appendFileSync(
        path.join(tmp, `${name}.log`),
        Array.from({ length: to - from + 1 }, (_, i) => `${name} line ${from + i}\n`).join(""),
      );
    write("web-2", 1, 3);
    write("web-1", 1, 400);
    await waitFor(
      "some of web-1's lines on the server",
      async () => (await lines("auth", "web-1")).length > 0,
      30_000,
      50,
    );
    web1.child.kill("SIGKILL");
    write("web-1", 401, 500);
    web1Again = await startAgent("web-1");
    const want = Array.from({ length: 500 }, (_, i) => `web-1 line ${i + 1}`);
    await waitFor(
      "all of web-1's lines",
      async () => (await lines("auth", "web-1")).length >= 500,
      30_000,
      100,
    );
    assert.deepEqual(
      (await lines("auth", "web-1")).sort(),
      [...want].sort(),
      "every line once, after a kill -9",
    );
    await waitFor("web-2's lines", async () => (await lines("auth", "web-2")).length === 3, 30_000, 100);

    const list = await runCli(["agents", "list", "-c", serverConfig, "--json"]);
    const agents = list.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(agents.map((a) => [a.name, a.group, a.status, a.address]).sort(), [
      ["web-1", "web", "active", officeAddr],
      ["web-2", "web", "active", officeAddr],
    ]);
    const web2 = agents.find((a) => a.name === "web-2");
    const removed = await runCli(["agents", "remove", web2.id, "-c", serverConfig]);
    assert.equal(removed.code, 0, removed.stderr);
    await waitFor(
      "web-2 cut off",
      () => /agent revoked; its connection is closed/.test(server.out()),
      20_000,
      100,
    );
  });

  it("refuses a cloned data dir started beside the original as clone_suspected; the original goes on; the copy gets in once the original stops answering", async () => {
    const web1 = (await serverStore.agents.list()).find((a) => a.name === "web-1");
    assert.ok(web1);
    // a VM snapshot: the agent frozen while its data dir is copied, so its store is copied whole
    web1Again.child.kill("SIGSTOP");
    try {
      await run("cp", ["-a", agentDir("web-1"), agentDir("web-1-clone")]);
    } finally {
      web1Again.child.kill("SIGCONT");
    }
    const clone = spawnIn(officeNs, ["agent", "run", "--data-dir", agentDir("web-1-clone")]);
    const refusals = () =>
      clone
        .out()
        .split("\n")
        .filter((l) => /the server refused this agent/.test(l))
        .map((l) => JSON.parse(l));
    await waitFor("the clone refused", () => refusals().length >= 1, 30_000, 100);
    assert.match(
      refusals()[0].err,
      /clone suspected: another agent is connected with this certificate \(web-1, ag-[0-9a-f]+, from [0-9.]+\); a cloned data directory or VM\? enroll this host with its own token/,
    );
    assert.ok(/clone suspected/.test(serverOut()), "the server logs it");
    const events = await runCli([
      "logs",
      "filter",
      "mamori/agents",
      "-c",
      serverConfig,
      "-p",
      '{ $.event = "clone_suspected" }',
      "--json",
    ]);
    assert.equal(events.code, 0, events.stderr);
    const first = JSON.parse(JSON.parse(events.stdout.split("\n")[0]).message);
    assert.deepEqual(
      [first.agent, first.name, first.address, first.liveAddress],
      [web1.id, "web-1", officeAddr, officeAddr],
    );
    // not a tight loop: it waits `retry` (2 s), then twice as long after each refusal in a row
    await waitFor("the clone refused again", () => refusals().length >= 2, 30_000, 100);
    assert.deepEqual(
      refusals()
        .map((r) => r.retryS)
        .slice(0, 2),
      [2, 4],
    );
    assert.equal(clone.child.exitCode, null, "the clone keeps running (and collecting locally)");
    fs.appendFileSync(path.join(tmp, "web-1.log"), "web-1 after the clone\n");
    await waitFor(
      "the original's new line on the server",
      async () => (await lines("auth", "web-1")).includes("web-1 after the clone"),
      30_000,
      100,
    );
    assert.equal((await serverStore.agents.get(web1.id))?.status, "active");

    // the original stops answering (frozen, as a host that lost power): the copy gets in (here the 1 s
    // heartbeat may cut the original before the copy's PING times out; live.test.ts proves the PING path);
    // the original, back, is the one refused: the server cannot tell which host is the original
    clone.child.kill("SIGKILL");
    web1Again.child.kill("SIGSTOP");
    const copy = spawnIn(officeNs, ["agent", "run", "--data-dir", agentDir("web-1-clone")]);
    try {
      await waitFor("the copy connected", () => /fleet agent: connected/.test(copy.out()), 30_000, 100);
    } finally {
      web1Again.child.kill("SIGCONT");
    }
    await waitFor(
      "the original refused in turn",
      () => /the server refused this agent: clone suspected/.test(web1Again.out()),
      30_000,
      100,
    );
  });
});
