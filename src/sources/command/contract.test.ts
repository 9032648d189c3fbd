import { writeFile } from "node:fs/promises";
import path from "node:path";
import { sourceContract } from "../testing/contract.js";
import { commandSourceSchema } from "./config.js";
import { command } from "./index.js";

sourceContract("command", {
  group: "g",
  delivery: "at-most-once",
  lostStat: "lost_in_store",
  records: 20_000,
  prepare: async (dir, n) => {
    const lines = Array.from({ length: n }, (_, i) => `program line ${i}`);
    await writeFile(path.join(dir, "out.txt"), lines.map((l) => `${l}\n`).join(""));
    return lines;
  },
  // a long-running program: prints the file, then follows it
  create: (ctx, dir) =>
    command.create(
      commandSourceSchema.parse({
        type: "command",
        command: ["tail", "-n", "+1", "-f", path.join(dir, "out.txt")],
        group: "g",
      }),
      ctx,
    ),
});
