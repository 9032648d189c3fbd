/**
 * The CLI's entry (bin/mamori.js and bin.ts call it). `mamori regex LOG FILTER` with plain arguments runs
 * without commander and the command tree (people run it in loops over big logs, and start-up was a large
 * part of its time); every other argv, `regex --help` and malformed ones included, goes to main.ts,
 * whose commander definitions are also what docs/cli.md is generated from.
 */
import { errorMessage } from "../core/errors.js";
import { exitCodeForError, exitQuietlyOnClosedPipe } from "./exit.js";

export async function run(argv: string[]): Promise<void> {
  if (argv[0] === "regex") {
    const { plainRegexArgv, regexAction } = await import("./commands/regex.js");
    const plain = plainRegexArgv(argv.slice(1));
    if (plain) {
      exitQuietlyOnClosedPipe();
      try {
        await regexAction(plain.log, plain.filter, plain.opts);
      } catch (err) {
        process.exitCode = exitCodeForError(err);
        process.stderr.write(`${errorMessage(err)}\n`);
      }
      return;
    }
  }
  const { main } = await import("./main.js");
  await main(argv);
}
