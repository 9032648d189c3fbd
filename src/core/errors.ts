/** Errors that carry what went wrong and what to do next. The CLI maps them to exit codes. */

/** A position in a file a user wrote (1-based line and column). */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/** One problem found in a config (or filter) file. */
export interface ConfigProblem extends SourcePosition {
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

/** A config file that cannot be used; lists every problem found. Exit code 2. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Wrong use of a command (bad argument, invalid pattern on the command line). Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
