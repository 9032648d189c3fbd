/** Child process of scanInChild (gzip-bomb.ts): one scan of a cloudtrail source, then its stats and peak RSS. */
import { cloudtrailSourceSchema } from "../../cloudtrail/config.js";
import { cloudtrail } from "../../cloudtrail/index.js";
import type { OnceFileSource } from "../once-files.js";
import { testContext } from "./context.js";

const [dir, max] = process.argv.slice(2);
const config = cloudtrailSourceSchema.parse({
  type: "cloudtrail",
  path: `${dir}/*.json.gz`,
  group: "ct",
  ...(max ? { max_file_bytes: Number(max) } : {}),
});
const t = testContext({ id: "ct" });
const source = cloudtrail.create(config, t.ctx) as OnceFileSource;
await source.scan();
const stored = (await t.stored("ct")).length;
await t.store.close();
const maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(JSON.stringify({ stats: source.stats(), stored, maxRssMiB }));
