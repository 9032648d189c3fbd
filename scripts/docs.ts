/** `npm run docs`: writes the generated reference pages (docs/config.md, docs/cli.md) from the code. */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generatedDocs } from "../src/docs/generate.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
for (const [file, text] of Object.entries(await generatedDocs())) {
  writeFileSync(path.join(root, file), text);
  process.stdout.write(`wrote ${file}\n`);
}
