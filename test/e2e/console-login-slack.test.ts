/**
 * End to end: examples/console-login-slack.yaml as written, run by `mamori serve`, watching gzipped
 * CloudTrail files laid out as AWS delivers them to S3. A successful console sign-in from the office's
 * allowed address (and a failed one from elsewhere, and API calls, and a digest file) sends nothing; a
 * successful sign-in from an unknown address sends one Slack message naming the user and the address,
 * to a local HTTP receiver standing in for Slack (SLACK_WEBHOOK_URL).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { cloudTrailRecords } from "../../bench/gen/cloudtrail.js";
import { cloudTrailKey, writeCloudTrailFile } from "../../bench/gen/files.js";
import { serve, storedEvents } from "../../src/sources/shared/testing/e2e.js";
import { repoRoot } from "../../src/testing/cli.js";
import { startHttpReceiver } from "../../src/testing/receivers.js";
import { waitFor } from "../../src/testing/wait.js";

const EXAMPLE = path.join(repoRoot, "examples/console-login-slack.yaml");
const GROUP = "cloudtrail";
const OFFICE_IP = "203.0.113.10"; // the example's allowed address
const SLACK_PATH = "/services/T0000/B0000/e2e-secret-part";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-e2e-ct-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

type CloudTrailRecord = Record<string, unknown> & { userIdentity: Record<string, unknown> };

/** The generator's records of one kind (a sign-in or an API call), to dress up. */
function recordOf(kind: "ConsoleLogin" | "api"): CloudTrailRecord {
  for (const r of cloudTrailRecords(200, 5)) {
    if ((r.eventName === "ConsoleLogin") === (kind === "ConsoleLogin")) return r as CloudTrailRecord;
  }
  throw new Error(`the generator made no ${kind} record`);
}

/** A sign-in dated now (alarms look at the current period). */
function login(user: string, ip: string, outcome: "Success" | "Failure"): CloudTrailRecord {
  const r = recordOf("ConsoleLogin");
  return {
    ...r,
    eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    sourceIPAddress: ip,
    userIdentity: { ...r.userIdentity, userName: user, arn: `arn:aws:iam::123456789012:user/${user}` },
    responseElements: { ConsoleLogin: outcome },
    ...(outcome === "Failure" ? { errorMessage: "Failed authentication" } : { errorMessage: undefined }),
  };
}

describe("e2e: CloudTrail files → console login from an unknown address → Slack", () => {
  it("the allowed address sends nothing; an unknown one sends a message naming user and address", async () => {
    const rx = await startHttpReceiver();
    const dir = fs.mkdtempSync(path.join(tmp, "run-"));
    const trail = path.join(dir, "s3");
    const dataDir = path.join(dir, "data");
    const env = {
      MAMORI_DATA_DIR: dataDir,
      MAMORI_CLOUDTRAIL: `${trail}/**/*.json.gz`,
      SLACK_WEBHOOK_URL: `${rx.url}${SLACK_PATH}`,
    };
    const daemon = await serve(EXAMPLE, env, dir);
    try {
      const api = { ...recordOf("api"), eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") };
      const first = [login("alice", OFFICE_IP, "Success"), login("bob", "198.51.100.77", "Failure"), api];
      writeCloudTrailFile(path.join(trail, cloudTrailKey(0)), first);
      // a digest file next to the logs: skipped, stored nowhere
      const digestDir = path.join(trail, "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2023/11/25");
      fs.mkdirSync(digestDir, { recursive: true });
      fs.writeFileSync(
        path.join(
          digestDir,
          "123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20231125T090000Z.json.gz",
        ),
        gzipSync(
          JSON.stringify({
            digestStartTime: "2023-11-25T08:00:00Z",
            digestEndTime: "2023-11-25T09:00:00Z",
            digestS3Bucket: "trail",
            logFiles: [],
          }),
        ),
      );
      await waitFor(
        "the first file stored",
        async () => (await storedEvents(dataDir, GROUP)) >= first.length,
        30_000,
      );
      assert.equal(
        rx.requests.length,
        0,
        "a sign-in from the allowed address (or a failed one) sends nothing",
      );

      const intruder = login("mallory", "198.51.100.99", "Success");
      writeCloudTrailFile(path.join(trail, cloudTrailKey(1)), [intruder]);
      const slack = await rx.waitFor(1, 30_000);
      assert.equal(slack.path, SLACK_PATH);
      const payload = JSON.parse(slack.body) as { text: string; blocks: unknown[] };
      assert.match(payload.text, /console-login-unknown-ip/);
      const shown = JSON.stringify(payload);
      assert.match(shown, /mallory/, "the message names the user");
      assert.match(shown, /198\.51\.100\.99/, "the message names the address");
      assert.doesNotMatch(shown, /alice|203\.0\.113\.10/, "the allowed sign-in is not part of it");
      assert.equal(await storedEvents(dataDir, GROUP), first.length + 1, "the digest was not stored");
      assert.doesNotMatch(daemon.log(), /e2e-secret-part/, "the Slack URL is never logged");
    } finally {
      await daemon.stop();
      await rx.close();
    }
  });
});
