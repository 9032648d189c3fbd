/** The jail keys the exec action reads: the argv of its commands. */
import { z } from "zod";
import { type EntryCheck, nonEmpty } from "../../core/config.js";

export const execActionSchema = z.strictObject({
  exec: z
    .strictObject({
      ban: z.array(nonEmpty).min(1),
      unban: z.array(nonEmpty).optional(),
      check: z.array(nonEmpty).optional(),
    })
    .optional(),
});

export const checkExecAction: EntryCheck<z.output<typeof execActionSchema>> = (jail, at) =>
  jail.exec
    ? []
    : [
        at(
          ["action"],
          'action "exec" needs an `exec:` key with `ban: [program, args...]` ({ip}, {jail} are substituted)',
        ),
      ];
