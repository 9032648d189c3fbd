/** `type: command`: the config of a source that reads the lines a long-running program prints. */
import { z } from "zod";
import { nonEmpty, pathString } from "../../core/config.js";

export const commandSourceSchema = z.strictObject({
  type: z.literal("command"),
  id: nonEmpty.optional(),
  /** argv: the program and its arguments, run directly (never through a shell) */
  command: z.array(nonEmpty).min(1, "command is an argv array: [program, arg...] (no shell)"),
  /** added to the program's environment (which otherwise holds only PATH, LANG and HOME) */
  env: z.record(z.string(), z.string()).default({}),
  cwd: pathString.optional(),
  group: nonEmpty,
  stream: nonEmpty.default("{hostname}"),
});

export type CommandSourceConfig = z.output<typeof commandSourceSchema>;
