/**
 * `mamori pattern test PATTERN [FILE|-] [--json]`: CloudWatch TestMetricFilter over each line of FILE
 * (or stdin). `--json` prints one object {"matches":[{eventNumber,eventMessage,extractedValues}],"lines","elapsedMs"}.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { Command } from "commander";
import { type Clock, SystemClock } from "../../core/clock.js";
import { errorMessage, UsageError } from "../../core/errors.js";
import { type CompiledPattern, compilePattern, PatternSyntaxError } from "../../patterns/index.js";

export interface PatternMatch {
  eventNumber: number;
  eventMessage: string;
  extractedValues: Record<string, string>;
}

export interface PatternTestResult {
  matches: PatternMatch[];
  lines: number;
  elapsedMs: number;
}

/** Compiles a pattern given on the command line; a syntax error is a usage error "pattern:LINE:COL: ...". */
export function compileCliPattern(text: string): CompiledPattern {
  try {
    return compilePattern(text);
  } catch (err) {
    if (err instanceof PatternSyntaxError) throw new UsageError(`pattern:${err.message}`);
    throw err;
  }
}

/** Runs the pattern over every line (1-based event numbers, a trailing CR dropped). */
export async function testPatternOnLines(
  pattern: CompiledPattern,
  input: Readable,
  clock: Clock,
): Promise<PatternTestResult> {
  const started = clock.now();
  const matches: PatternMatch[] = [];
  let lines = 0;
  for await (const raw of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    lines++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const values = pattern.match(line);
    if (values) matches.push({ eventNumber: lines, eventMessage: line, extractedValues: values });
  }
  return { matches, lines, elapsedMs: clock.now() - started };
}

function openInput(file: string | undefined): Readable {
  if (file === undefined || file === "-") return process.stdin;
  const stream = createReadStream(file, { encoding: "utf8" });
  return stream;
}

function printHuman(result: PatternTestResult, pattern: CompiledPattern): void {
  const out: string[] = [];
  for (const m of result.matches) {
    out.push(`${m.eventNumber}: ${m.eventMessage}`);
    for (const [k, v] of Object.entries(m.extractedValues)) out.push(`    ${k} = ${v}`);
  }
  out.push(
    `${result.matches.length} of ${result.lines} line${result.lines === 1 ? "" : "s"} matched (${pattern.kind} pattern, ${result.elapsedMs} ms)`,
  );
  process.stdout.write(`${out.join("\n")}\n`);
}

export function registerPattern(program: Command): void {
  const pattern = program.command("pattern").description("work with CloudWatch filter patterns");
  pattern
    .command("test")
    .description("run a filter pattern over each line of FILE (or stdin), like CloudWatch TestMetricFilter")
    .argument("<pattern>", "CloudWatch filter pattern, e.g. '\"[preauth]\"' or '[ip, user, ...]'")
    .argument("[file]", "log file, one event per line; '-' or none reads stdin")
    .option(
      "--json",
      'print {"matches":[{"eventNumber","eventMessage","extractedValues"}],"lines","elapsedMs"}',
    )
    .action(async (text: string, file: string | undefined, opts: { json?: boolean }) => {
      const compiled = compileCliPattern(text);
      const input = openInput(file);
      let result: PatternTestResult;
      try {
        result = await testPatternOnLines(compiled, input, new SystemClock());
      } catch (err) {
        throw new UsageError(`cannot read ${file ?? "stdin"}: ${errorMessage(err)}`);
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else printHuman(result, compiled);
    });
}
