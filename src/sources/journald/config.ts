/** `type: journald` in mamori.yaml: which journal entries to follow. */
import { z } from "zod";
import { nonEmpty, pathString } from "../../core/config.js";

export const journaldSourceSchema = z.strictObject({
  type: z.literal("journald"),
  id: nonEmpty.optional(),
  group: nonEmpty,
  stream: nonEmpty.optional(),
  matches: z
    // "+" between matches ORs them, as in journalctl (fail2ban's journalmatch uses it)
    .array(
      z
        .string()
        .regex(/^(?:[A-Z0-9_]+=.*|\+)$/, 'expected FIELD=value (e.g. "_SYSTEMD_UNIT=ssh.service") or "+"'),
    )
    .default([]),
  directory: pathString.optional(),
  /** a program name looked up in PATH, as written */
  journalctl: nonEmpty.default("journalctl"),
  /** without a saved cursor: the whole journal (start_of_file) or only new entries (end_of_file) */
  start_position: z.enum(["start_of_file", "end_of_file"]).default("end_of_file"),
});

export type JournaldSourceConfig = z.output<typeof journaldSourceSchema>;
