/** For config tests: every problem of a config text, as `LINE:COL: message` lines; [] when it is valid. */
import { ConfigError } from "../../core/errors.js";
import { parseConfig } from "../load.js";

export function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, "m.yaml", { env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
    throw err;
  }
  return [];
}
