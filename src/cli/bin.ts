// Entry point when running from source (tests, `node --import tsx src/cli/bin.ts`); bin/mamori.js runs the built copy.
import { run } from "./entry.js";

void run(process.argv.slice(2));
