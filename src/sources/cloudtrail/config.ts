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
  /** largest file read, after decompression (gzip bombs); larger files are skipped and counted */
  max_file_bytes: z.number().int().positive().optional(),
});

export type CloudtrailSourceConfig = z.output<typeof cloudtrailSourceSchema>;
