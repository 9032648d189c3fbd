import { journaldSourceSchema } from "../../config/schema.js";
import { sourceContract } from "../testing/contract.js";
import { realtimeMs, syslogLine } from "./format.js";
import { JournaldSource } from "./source.js";
import { entry, writeFakeJournal } from "./testing/fake-journalctl.js";

process.env.TZ = "UTC"; // the syslog-shaped date is local time

sourceContract("journald", {
  group: "journal",
  delivery: "checkpointed",
  records: 3_000, // ~1 MB of JSON: many reads of journalctl's output, one batch each
  prepare: async (dir, n) => {
    const entries = Array.from({ length: n }, (_, i) => entry(i + 1));
    writeFakeJournal(dir, entries);
    return entries.map((e) => syslogLine(e, realtimeMs(e) as number));
  },
  create: (ctx, dir) =>
    new JournaldSource(
      journaldSourceSchema.parse({
        type: "journald",
        group: "journal",
        journalctl: `${dir}/journalctl`,
        directory: dir,
        start_position: "start_of_file",
      }),
      ctx,
    ),
});
