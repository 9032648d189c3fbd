#!/usr/bin/env node
// Thin launcher. The CLI is bundled (scripts/bundle-cli.mjs, run by `npm run build` and by `npm ci`
// through the prepare script) into one CommonJS file per command, dist/cli-bundle/<command>.cjs
// (all.cjs: every command, for --help, --version and the rest), each with a V8 code cache
// (<file>.cache): a command reads one file and compiles little, where ~280 modules were loaded before.
// The cache is only a hint: V8 rejects one made by another node version and compiles the source.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleScript } from "./bundle-script.js";

const dir = fileURLToPath(new URL("../dist/cli-bundle/", import.meta.url));
const argv = process.argv.slice(2);

function readIfThere(file, encoding) {
  try {
    return readFileSync(file, encoding);
  } catch (err) {
    if (err?.code === "ENOENT") return undefined;
    throw err;
  }
}

let filename = /^[a-z][a-z0-9-]*$/.test(argv[0] ?? "") ? path.join(dir, `${argv[0]}.cjs`) : undefined;
let source = filename && readIfThere(filename, "utf8");
if (source === undefined) {
  filename = path.join(dir, "all.cjs");
  source = readIfThere(filename, "utf8");
}
if (source === undefined) {
  process.stderr.write("mamori: the built CLI (dist/cli-bundle/) is missing; run `npm run build` (or `npm ci`) first\n");
  process.exit(1);
}
const cli = { exports: {} };
bundleScript(filename, source, readIfThere(`${filename}.cache`))
  .runInThisContext()
  .call(cli.exports, cli.exports, createRequire(filename), cli, filename, dir);
await cli.exports.run(argv);
