/**
 * Builds what bin/mamori.js runs, as `npm run build` does minus the web UI: tsc's dist/ (type errors
 * stop the bench) and the bundled CLI in dist/cli-bundle/ (scripts/bundle-cli.mjs). Benches that run
 * the installed entry point call it first, so they never time a stale build.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

export async function buildCli(): Promise<void> {
  await execFileP(process.execPath, [
    path.resolve("node_modules/typescript/bin/tsc"),
    "-p",
    "tsconfig.build.json",
  ]);
  await execFileP(process.execPath, [path.resolve("scripts/bundle-cli.mjs")]);
}
