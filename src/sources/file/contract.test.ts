import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileSourceSchema } from "../../config/schema.js";
import { sourceContract } from "../testing/contract.js";
import { FileSource } from "./source.js";

sourceContract("file", {
  group: "g",
  delivery: "checkpointed",
  records: 60_000, // ~3.6 MiB: several 1 MiB reads, one batch each
  prepare: async (dir, n) => {
    const lines = Array.from({ length: n }, (_, i) => `${String(i).padStart(8, "0")} ${"p".repeat(50)}`);
    await writeFile(path.join(dir, "app.log"), lines.map((l) => `${l}\n`).join(""));
    return lines;
  },
  create: (ctx, dir) =>
    new FileSource(
      fileSourceSchema.parse({
        type: "file",
        path: path.join(dir, "*.log"),
        group: "g",
        start_position: "start_of_file",
      }),
      ctx,
      { watch: false },
    ),
});
