#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { run } from "../dist/cli/entry.js";

await run(process.argv.slice(2));
