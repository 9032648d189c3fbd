/**
 * docs/cli.md: every command, its arguments and options, from the commander definitions the CLI runs
 * (src/cli/main.ts buildProgram), so the reference cannot drift from the program.
 */
import type { Command, Option } from "commander";
import { cell, GENERATED_NOTE } from "./markdown.js";

function fullName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

function optionRow(o: Option): string {
  const extra: string[] = [];
  if (o.argChoices) extra.push(`one of: ${o.argChoices.map((c) => `\`${c}\``).join(", ")}`);
  const emptyList = Array.isArray(o.defaultValue) && o.defaultValue.length === 0;
  if (o.defaultValue !== undefined && o.defaultValue !== false && !emptyList)
    extra.push(`default: \`${JSON.stringify(o.defaultValue)}\``);
  if (o.mandatory) extra.push("required");
  const text = [o.description, ...extra].filter(Boolean).join("; ");
  return `| \`${o.flags}\` | ${cell(text)} |`;
}

function commandSection(cmd: Command, depth: number): string[] {
  const out = [`${"#".repeat(Math.min(depth, 4))} ${fullName(cmd)}`, ""];
  if (cmd.description()) out.push(cmd.description(), "");
  for (const alias of cmd.aliases()) out.push(`Also: \`${fullName(cmd).replace(/\S+$/, alias)}\`.`, "");
  const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  if (subs.length === 0 || cmd.registeredArguments.length > 0 || cmd.options.length > 0) {
    out.push("```", `${fullName(cmd)} ${cmd.usage()}`, "```", "");
    if (cmd.registeredArguments.length > 0) {
      out.push("| argument | what it is |", "|---|---|");
      for (const a of cmd.registeredArguments) {
        const shown = `${a.required ? "<" : "["}${a.name()}${a.variadic ? "..." : ""}${a.required ? ">" : "]"}`;
        out.push(`| \`${shown}\` | ${cell(a.description)} |`);
      }
      out.push("");
    }
    if (cmd.options.length > 0)
      out.push("| option | what it does |", "|---|---|", ...cmd.options.map(optionRow), "");
  }
  for (const sub of subs) out.push(...commandSection(sub, depth + 1));
  return out;
}

/** The whole of docs/cli.md. */
export function renderCliReference(program: Command): string {
  const out = [
    "# mamori CLI reference",
    "",
    GENERATED_NOTE,
    "",
    program.description(),
    "",
    "Exit codes: 0 ok, 1 runtime failure, 2 usage or config error. `mamori --help` and `mamori COMMAND --help`",
    "print the same as this page. Logs go to stderr (readable at a terminal, JSON lines otherwise; see",
    "`--log-format`), command output to stdout.",
    "",
    "Commands:",
    "",
    ...program.commands.map(
      (c) => `- [${fullName(c)}](#${fullName(c).replaceAll(" ", "-")}): ${c.description()}`,
    ),
    "",
  ];
  for (const cmd of program.commands) out.push(...commandSection(cmd, 2));
  return `${out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}
