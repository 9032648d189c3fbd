import path from "node:path";
import { writeFlowLogFile } from "../../../bench/gen/files.js";
import { VPC_DEFAULT_V2_FIELDS, vpcFlowLines } from "../../../bench/gen/vpc-flow.js";
import { sourceContract } from "../testing/contract.js";
import { vpcFlowSourceSchema } from "./config.js";
import { vpcFlow } from "./index.js";

sourceContract("vpc-flow", {
  group: "vpc",
  delivery: "checkpointed",
  records: 12_000, // batches of 5,000 records
  prepare: async (dir, n) => {
    const lines = [...vpcFlowLines(n, { seed: 11 })];
    writeFlowLogFile(path.join(dir, "flows.log.gz"), lines, VPC_DEFAULT_V2_FIELDS);
    return lines;
  },
  create: (ctx, dir) =>
    vpcFlow.create(
      vpcFlowSourceSchema.parse({ type: "vpc-flow", path: `${dir}/*.log.gz`, group: "vpc" }),
      ctx,
    ),
});
