import path from "node:path";
import { cloudTrailRecords } from "../../../bench/gen/cloudtrail.js";
import { cloudTrailKey, writeCloudTrailFile } from "../../../bench/gen/files.js";
import { sourceContract } from "../testing/contract.js";
import { cloudtrailSourceSchema } from "./config.js";
import { cloudtrail } from "./index.js";

sourceContract("cloudtrail", {
  group: "ct",
  delivery: "checkpointed",
  records: 12_000, // batches of 5,000 records
  prepare: async (dir, n) => {
    const records = [...cloudTrailRecords(n, 5)];
    writeCloudTrailFile(path.join(dir, cloudTrailKey(0)), records);
    return records.map((r) => JSON.stringify(r));
  },
  create: (ctx, dir) =>
    cloudtrail.create(
      cloudtrailSourceSchema.parse({ type: "cloudtrail", path: `${dir}/**/*.json.gz`, group: "ct" }),
      ctx,
    ),
});
