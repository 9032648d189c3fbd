/** `type: exec` subscriptions: a program run with the notification on stdin (argv, never a shell). */
import { z } from "zod";
import { nonEmpty } from "../../../core/config.js";

export const execChannelSchema = z.strictObject({
  type: z.literal("exec"),
  /** a program name looked up in PATH, or a path, as written */
  command: z.array(nonEmpty).min(1, "command is an argv array: [program, arg...]"),
});
