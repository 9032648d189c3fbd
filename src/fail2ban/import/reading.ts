/**
 * One jail section of a merged fail2ban jail config, read the way fail2ban's JailReader reads it
 * (own options, then [DEFAULT]'s, `%(name)s` interpolated in the jail's context with `__name__` = the
 * jail), with every problem placed at the key that caused it (file:line:col).
 */
import { readFileSync } from "node:fs";
import { ConfigError, type ConfigProblem, errorMessage, formatProblem } from "../../core/errors.js";
import type { Fail2banConfig } from "../reader.js";

export interface ImportProblem extends ConfigProblem {
  /** errors keep the jail out (config check fails); warnings say what mamori does differently */
  severity: "error" | "warning";
}

const lineCache = new Map<string, string[]>();

/** Forgets the config lines read for key columns (files may have changed since the last import). */
export function forgetConfigLines(): void {
  lineCache.clear();
}

/** Column of the key on a config line (its first non-blank character). */
function keyCol(file: string, line: number): number {
  let lines = lineCache.get(file);
  if (!lines) {
    try {
      lines = readFileSync(file, "utf8").split(/\r?\n/);
    } catch {
      lines = [];
    }
    lineCache.set(file, lines);
  }
  const i = lines[line - 1]?.search(/\S/) ?? -1;
  return i >= 0 ? i + 1 : 1;
}

export class JailReading {
  readonly problems: ImportProblem[] = [];
  private failed = false;

  constructor(
    readonly cfg: Fail2banConfig,
    readonly name: string,
    private readonly vars: Record<string, string>,
  ) {}

  /** Whether an error keeps this jail out. */
  get ok(): boolean {
    return !this.failed;
  }

  /** The jail's own options (not [DEFAULT]'s). */
  ownOptions(): string[] {
    return this.cfg.options(this.name);
  }

  /** Own and [DEFAULT] options. */
  allOptions(): string[] {
    return this.cfg.options(this.name, true);
  }

  /** The raw (not interpolated) value, own or [DEFAULT]'s. */
  raw(option: string): string | undefined {
    return this.cfg.raw(this.name, option)?.value;
  }

  /** The interpolated value; undefined when unset or when its interpolation failed (an error then). */
  value(option: string): string | undefined {
    try {
      return this.cfg.get(this.name, option, this.vars);
    } catch (err) {
      const why =
        err instanceof ConfigError ? err.problems.map((p) => p.message).join("; ") : errorMessage(err);
      this.error(option, why);
      return undefined;
    }
  }

  /** Where an option was written (the jail's own line, else [DEFAULT]'s, else where the jail was enabled). */
  at(option: string, preferJail = false): Omit<ConfigProblem, "message"> {
    const own = this.cfg.sections.get(this.name)?.get(option);
    const rv =
      own ??
      (preferJail ? this.cfg.raw(this.name, "enabled") : undefined) ??
      this.cfg.raw(this.name, option) ??
      this.cfg.raw(this.name, "enabled");
    if (!rv) return { file: this.cfg.files[0] ?? "<fail2ban>", line: 1, col: 1 };
    return { file: rv.origin.file, line: rv.origin.line, col: keyCol(rv.origin.file, rv.origin.line) };
  }

  warn(option: string, message: string): void {
    this.problems.push({
      ...this.at(option),
      severity: "warning",
      message: `jail [${this.name}]: ${message}`,
    });
  }

  /** preferJail: place it at the jail (where it was enabled) unless the jail sets the option itself */
  error(option: string, message: string, preferJail = false): void {
    this.failed = true;
    this.problems.push({
      ...this.at(option, preferJail),
      severity: "error",
      message: `jail [${this.name}]: ${message}`,
    });
  }

  /** An error whose details are problems found in another file (a filter). */
  errorWith(option: string, message: string, err: unknown): void {
    const why = err instanceof ConfigError ? err.problems.map(formatProblem).join("; ") : errorMessage(err);
    this.error(option, `${message}: ${why}`, true);
  }
}
