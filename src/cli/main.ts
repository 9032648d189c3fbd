/**
 * The mamori CLI. Every command lives in commands/<name>.ts and is listed in `commands` below:
 * reading this map tells you every command there is. Only this module and entry.ts (the lean `regex`
 * path) set the exit code; exit.ts holds the one process.exit (a reader that closed the pipe).
 */
import { Command, CommanderError } from "commander";
import { errorMessage } from "../core/errors.js";
import { commands, loadCommands } from "./commands/index.js";
import { exitCodeForError, exitQuietlyOnClosedPipe } from "./exit.js";

export const VERSION = "0.1.0";

/**
 * The program with every command, or only with `only` (the command a run names: the others' modules are
 * then never loaded; its own --help is the same).
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command("mamori")
    .description(
      "Intrusion detection and response: log metrics, alarms, notifications and fail2ban-style jails in one daemon",
    )
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  const names = only !== undefined && Object.hasOwn(commands, only) ? [only] : undefined;
  for (const register of await loadCommands(names)) register(program);
  return program;
}

/** Runs the CLI; sets process.exitCode (0 ok, 1 runtime failure, 2 usage or config error). */
export async function main(argv: string[]): Promise<void> {
  exitQuietlyOnClosedPipe();
  try {
    const program = await buildProgram(argv[0]);
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    process.exitCode = exitCodeFor(err);
    if (err instanceof CommanderError) return; // commander already printed the message
    process.stderr.write(`${errorMessage(err)}\n`);
  }
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    if (
      err.code === "commander.helpDisplayed" ||
      err.code === "commander.version" ||
      err.code === "commander.help"
    )
      return 0;
    return 2;
  }
  return exitCodeForError(err);
}
