/**
 * The generated pages of docs/: each file and its content, computed from the code as it runs now
 * (the composed config schema, the CLI's commander definitions). `npm run docs` writes them; a test
 * compares them with the files in the repository.
 */
import { buildProgram } from "../cli/main.js";
import { configSchema } from "../config/schema.js";
import { renderCliReference } from "./cli-reference.js";
import { renderConfigReference } from "./config-reference.js";

/** path relative to the repository root → content */
export async function generatedDocs(): Promise<Record<string, string>> {
  return {
    "docs/config.md": renderConfigReference(configSchema),
    "docs/cli.md": renderCliReference(await buildProgram()),
  };
}
