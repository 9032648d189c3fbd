/** What the benchmarks share: their `--name N` arguments, and writing a generated log in 1 MiB chunks. */
import { createWriteStream } from "node:fs";

/** `--name N` from the bench's arguments, else `def`. */
export function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : def;
}

/** Writes the lines to `file` in 1 MiB chunks (a whole generated log is never held in memory). */
export async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  let buf = "";
  for (const line of lines) {
    buf += `${line}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once("drain", () => r()));
      buf = "";
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.on("finish", () => r()));
}
