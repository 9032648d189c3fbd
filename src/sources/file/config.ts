/** `type: file` in mamori.yaml: the files to tail and how to read them. */
import { z } from "zod";
import { duration, type EntryCheck, nonEmpty, pathOrPaths, pathString } from "../../core/config.js";
import type { ConfigProblem } from "../../core/errors.js";
import { compileDatetimeFormat, DatetimeFormatError } from "../../core/timestamp.js";

export const fileSourceSchema = z.strictObject({
  type: z.literal("file"),
  id: nonEmpty.optional(),
  path: pathOrPaths,
  exclude: z.array(pathString).optional(),
  group: nonEmpty,
  stream: nonEmpty.default("{hostname}"),
  start_position: z.enum(["start_of_file", "end_of_file"]).default("end_of_file"),
  datetime_format: nonEmpty.optional(),
  timezone: z.enum(["local", "UTC"]).default("local"),
  encoding: z.enum(["utf-8", "latin1"]).default("utf-8"),
  poll_interval: duration().default(1),
  follow_symlinks: z.boolean().default(false),
});

export type FileSourceConfig = z.output<typeof fileSourceSchema>;

/** A `datetime_format` with an unknown strftime directive is reported at its place, not when the source starts. */
export const checkFileSource: EntryCheck<FileSourceConfig> = (cfg, at) => {
  const problems: ConfigProblem[] = [];
  if (cfg.datetime_format === undefined) return problems;
  try {
    compileDatetimeFormat(cfg.datetime_format);
  } catch (err) {
    if (!(err instanceof DatetimeFormatError)) throw err;
    problems.push(at(["datetime_format"], err.message));
  }
  return problems;
};
