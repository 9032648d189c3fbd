/**
 * End to end: examples/vpc-exfiltration.yaml as written, run by `mamori serve`, watching a tree of
 * gzipped flow-log files in the seed's 29-field custom format (header line first, as AWS delivers them).
 * Files whose large egress flows go only to the two allow-listed addresses (plus background traffic and
 * a large *ingress* flow from the exfiltration target) fire nothing; one file holding a 250,000-byte
 * egress flow to 198.51.100.7 fires the alarm exactly once, to a local HTTP receiver standing in for the
 * webhook. A later allow-listed file and a restart fire nothing more, and nothing is ingested twice.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { flowLogKey, writeFlowLogFile } from "../../bench/gen/files.js";
import { formatVpcFlowRecord, VPC_CUSTOM_29_FIELDS, vpcFlowLines } from "../../bench/gen/vpc-flow.js";
import { serve, storedEvents } from "../../src/sources/shared/testing/e2e.js";
import { repoRoot } from "../../src/testing/cli.js";
import { startHttpReceiver } from "../../src/testing/receivers.js";
import { waitFor } from "../../src/testing/wait.js";

const EXAMPLE = path.join(repoRoot, "examples/vpc-exfiltration.yaml");
const GROUP = "vpc-flow-logs";
const ALLOWED = ["123.123.123.123", "210.210.210.210"];
const SECRET = "e2e-exfil-secret";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-e2e-vpc-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A flow dated now (alarms look at the current period), in the custom format. */
function flow(over: Record<string, string>): string {
  const nowSec = Math.floor(Date.now() / 1000);
  return formatVpcFlowRecord(
    {
      version: "5",
      "account-id": "123456789012",
      action: "ACCEPT",
      "az-id": "use1-az1",
      "interface-id": "eni-0a1b2c3d4e5f60718",
      "instance-id": "i-0fedcba9876543210",
      srcaddr: "10.0.0.169",
      srcport: "49152",
      dstport: "443",
      protocol: "6",
      packets: "180",
      start: String(nowSec - 30),
      end: String(nowSec),
      "flow-direction": "egress",
      "log-status": "OK",
      type: "IPv4",
      "vpc-id": "vpc-0f1e2d3c4b5a69788",
      ...over,
    },
    VPC_CUSTOM_29_FIELDS,
  );
}

/** The generator's background traffic without what the alarm is about (its large egress to others). */
function background(n: number, seed: number): string[] {
  const at = (f: string) => VPC_CUSTOM_29_FIELDS.indexOf(f);
  // recent flows: the default retention (30 days) would delete the generator's 2023 ones at once
  const startSec = Math.floor(Date.now() / 1000) - 3600;
  return [...vpcFlowLines(n, { seed, fields: VPC_CUSTOM_29_FIELDS, startSec })].filter((line) => {
    const v = line.split(" ");
    const large = Number(v[at("bytes")]) > 100_000;
    return !(large && v[at("flow-direction")] === "egress" && !ALLOWED.includes(v[at("dstaddr")]));
  });
}

describe("e2e: VPC flow-log files → exfiltration alarm → webhook", () => {
  it("fires exactly once, for the one large egress flow to a destination not allow-listed", async () => {
    const rx = await startHttpReceiver();
    const dir = fs.mkdtempSync(path.join(tmp, "run-"));
    const logs = path.join(dir, "s3");
    const dataDir = path.join(dir, "data");
    const env = {
      MAMORI_DATA_DIR: dataDir,
      MAMORI_VPC_LOGS: `${logs}/**/*.log.gz`,
      EXFIL_WEBHOOK_URL: `${rx.url}/exfil`,
      EXFIL_WEBHOOK_SECRET: SECRET,
    };
    const write = (i: number, lines: string[]) =>
      writeFlowLogFile(path.join(logs, flowLogKey(i)), lines, VPC_CUSTOM_29_FIELDS);
    const ingested = async (n: number) =>
      waitFor(`${n} flow records stored`, async () => (await storedEvents(dataDir, GROUP)) >= n, 30_000);

    let daemon = await serve(EXAMPLE, env, dir);
    try {
      const quiet = [
        flow({ dstaddr: ALLOWED[0], bytes: "250000" }),
        flow({ dstaddr: ALLOWED[1], bytes: "4800000" }),
        flow({ dstaddr: "198.51.100.7", bytes: "5000" }), // small
        flow({
          srcaddr: "198.51.100.7",
          dstaddr: "10.0.0.169",
          bytes: "900000",
          "flow-direction": "ingress",
        }),
        flow({ action: "-", bytes: "-", packets: "-", "log-status": "NODATA" }),
      ];
      const bulk = background(3000, 11);
      write(0, quiet);
      write(1, bulk);
      await ingested(quiet.length + bulk.length);
      assert.equal(rx.requests.length, 0, "allow-listed and small flows fire nothing");

      const exfil = flow({ dstaddr: "198.51.100.7", bytes: "250000" });
      write(2, [flow({ dstaddr: ALLOWED[0], bytes: "300000" }), exfil]);
      const hook = await rx.waitFor(1, 30_000);
      assert.equal(hook.path, "/exfil");
      const signature = createHmac("sha256", SECRET).update(hook.body).digest("hex");
      assert.equal(hook.headers["x-mamori-signature"], `sha256=${signature}`);
      const alarm = JSON.parse(hook.body);
      assert.equal(alarm.AlarmName, "vpc-exfiltration");
      assert.equal(alarm.NewStateValue, "ALARM");
      assert.deepEqual(
        alarm.Samples.map((s: { message: string }) => s.message),
        [exfil],
        "the sample is the exfiltration flow's line, as delivered",
      );

      // more allow-listed traffic, then a restart: nothing more is sent and nothing is read twice
      write(3, [flow({ dstaddr: ALLOWED[1], bytes: "700000" })]);
      const total = quiet.length + bulk.length + 2 + 1;
      await ingested(total);
      assert.equal(await daemon.stop(), 0);
      daemon = await serve(EXAMPLE, env, dir);
      // files are read in path order, so once this newest one is in, a re-read of 0-3 would show
      write(4, [flow({ dstaddr: ALLOWED[0], bytes: "123456" })]);
      await ingested(total + 1);
      assert.equal(
        await storedEvents(dataDir, GROUP),
        total + 1,
        "no file was ingested twice after the restart",
      );
      assert.equal(rx.requests.length, 1, "the alarm fired exactly once");
    } finally {
      await daemon.stop();
      await rx.close();
    }
  });
});
