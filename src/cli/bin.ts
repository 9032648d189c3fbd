// Entry point when running from source (tests, `node --import tsx src/cli/bin.ts`); bin/mamori.js runs the built copy.
import { main } from "./main.js";

void main(process.argv.slice(2));
