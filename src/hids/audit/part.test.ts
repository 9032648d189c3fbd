/**
 * The audit part inside a real daemon with a real store: the first run reports every result (the
 * baseline) as `mamori/audit` events, a later run only what changed, and a restart remembers the results.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import { configSchema } from "../../config/schema.js";
import { ManualClock } from "../../core/clock.js";
import { Daemon } from "../../daemon.js";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { waitFor } from "../../testing/wait.js";
import { type AuditPart, auditFingerprint } from "./part.js";

const silent = pino({ level: "silent" });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-audit-part-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const POLICY = `policy: {id: demo, name: demo policy}
checks:
  - id: 1
    title: root login is off
    remediation: set PermitRootLogin no
    condition: all
    rules: ['f:/etc/ssh/sshd_config -> r:^PermitRootLogin no']
  - id: 2
    title: a banner is set
    condition: all
    rules: ['f:/etc/ssh/sshd_config -> r:^Banner']
  - id: 3
    title: the legacy file is gone
    condition: all
    rules: ['not f:/etc/legacy']
`;

describe("audit part", () => {
  it("reports the baseline, then only changed results, and remembers them across restarts", async () => {
    const root = path.join(dir, "root");
    const sshd = path.join(root, "etc/ssh/sshd_config");
    fs.mkdirSync(path.dirname(sshd), { recursive: true });
    fs.writeFileSync(sshd, "PermitRootLogin yes\n");
    fs.writeFileSync(path.join(dir, "demo.yml"), POLICY);
    const config = configSchema.parse({
      hostname: "web-1",
      audit: { schedule: "1h", policies: [path.join(dir, "*.yml")], root },
    });
    const clock = new ManualClock(1_000_000);
    const dataDir = path.join(dir, "data");
    const start = async () => {
      const store = openSqliteStore(dataDir);
      const daemon = new Daemon({ config, clock, log: silent, store });
      await daemon.start();
      return { store, daemon, part: daemon.part("hids", "audit") as AuditPart };
    };
    const events = async (store: ReturnType<typeof openSqliteStore>) =>
      (await store.logs.query({ group: "mamori/audit", orderById: true })).map((e) => JSON.parse(e.message));

    let { store, daemon, part } = await start();
    const baseline = await waitFor("the baseline events", async () => {
      const e = await events(store);
      return e.length === 3 && e;
    });
    assert.deepEqual(
      baseline.map((e) => [e.policy, e.id, e.result, e.host]),
      [
        ["demo", 1, "failed", "web-1"],
        ["demo", 2, "failed", "web-1"],
        ["demo", 3, "passed", "web-1"],
      ],
    );
    assert.equal(baseline[0].remediation, "set PermitRootLogin no");
    assert.match(baseline[0].reason, /no line of .*sshd_config matches/);
    assert.equal(baseline[1].remediation, undefined, "no remediation written: none reported");
    assert.equal(baseline[2].remediation, undefined, "a passed check has no remediation");

    // fix one check; the next scheduled run reports only that one
    fs.writeFileSync(sshd, "PermitRootLogin no\n");
    clock.advance(3600_000);
    await waitFor("the second run", () => part.stats().runs === 2);
    await part.idle();
    const second = await waitFor("the changed result", async () => {
      const e = await events(store);
      return e.length === 4 && e;
    });
    assert.deepEqual([second[3].id, second[3].result], [1, "passed"]);

    // nothing changed: a third run reports nothing
    clock.advance(3600_000);
    await waitFor("the third run", () => part.stats().runs === 3);
    assert.deepEqual((daemon.stats() as { hids: { audit: { runs: number; reported: number } } }).hids.audit, {
      runs: 3,
      reported: 4,
      failed: 1,
      errors: 0,
      policies: 1,
    });

    // run now (the fleet's "run a check now"): no clock step; the run is over when runNow resolves
    fs.writeFileSync(sshd, "PermitRootLogin no\nBanner /etc/issue\n");
    await part.runNow();
    assert.equal(part.stats().runs, 4);
    const ranNow = await waitFor("the change of the run now", async () => {
      const e = await events(store);
      return e.length === 5 && e;
    });
    assert.deepEqual([ranNow[4].id, ranNow[4].result], [2, "passed"]);
    await daemon.stop();
    store = openSqliteStore(dataDir);
    assert.equal((await events(store)).length, 5);
    await store.close();

    // a restart runs at once and compares with the stored results
    fs.writeFileSync(path.join(root, "etc/legacy"), "");
    ({ store, daemon, part } = await start());
    await waitFor("the run at start", () => part.stats().runs === 1);
    const after = await waitFor("the change seen after the restart", async () => {
      const e = await events(store);
      return e.length === 6 && e;
    });
    assert.deepEqual([after[5].id, after[5].result], [3, "failed"]);
    await daemon.stop();
  });

  it("a reload restarts the part when a policy file's content changed (its fingerprint)", () => {
    const file = path.join(dir, "fp.yml");
    fs.writeFileSync(file, POLICY);
    const config = configSchema.parse({ audit: { policies: [file] } }).audit;
    assert.ok(config);
    const before = auditFingerprint(config, "h");
    assert.equal(auditFingerprint(config, "h"), before);
    fs.writeFileSync(file, POLICY.replace("root login is off", "root login is disabled"));
    assert.notEqual(auditFingerprint(config, "h"), before);
  });
});
