/** `type: cloudtrail` in mamori.yaml: CloudTrail files as delivered, each read once. */
import { z } from "zod";
import { duration, nonEmpty, pathOrPaths } from "../../core/config.js";

export const cloudtrailSourceSchema = z.strictObject({
  type: z.literal("cloudtrail"),
  id: nonEmpty.optional(),
  path: pathOrPaths,
  group: nonEmpty,
  poll_interval: duration().default(5),
  follow_symlinks: z.boolean().default(false),
});

export type CloudtrailSourceConfig = z.output<typeof cloudtrailSourceSchema>;
