#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/cli-bundle/ (scripts/bundle-cli.mjs, run by `npm run build`
// and by `npm ci` through the prepare script): a command loads a few files, not ~280 modules.
let cli;
try {
  cli = await import("../dist/cli-bundle/entry.mjs");
} catch (err) {
  if (err?.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes("cli-bundle")) throw err;
  process.stderr.write("mamori: the built CLI (dist/cli-bundle/) is missing; run `npm run build` (or `npm ci`) first\n");
  process.exit(1);
}
await cli.run(process.argv.slice(2));
