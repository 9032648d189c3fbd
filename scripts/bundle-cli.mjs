/**
 * Bundles the CLI with esbuild into dist/cli-bundle/ (`npm run build:cli`; `npm run build` and `npm ci`
 * run it): one CommonJS file per command, <command>.cjs, holding that command and nothing of the others,
 * and all.cjs (every command: --help, --version, `help`, a mistyped name), each with its V8 code cache,
 * <file>.cache. A command then reads one file and compiles little: unbundled, ~280 ES modules were resolved, read and
 * compiled on every run, most of a short run's time (`mamori --version` 0.66 s, `node -e 0` 0.10 s).
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { bundleScript } from "../bin/bundle-script.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "dist/cli-bundle");
const indexFile = path.join(root, "src/cli/commands/index.ts");

/** a command's line in commands/index.ts: `  name: async () => (await import("./name.js")).registerName,` */
const COMMAND_LINE = /^\s+("?)([a-z][a-z0-9-]*)\1: async \(\) => \(await import\("\.\/[^"]+"\)\)\.\w+,\s*$/;

/**
 * Code that finds files relative to itself (`new URL("../../filters/", import.meta.url)`) must see the URL
 * its module has in the unbundled dist/ tree, not the bundle's (every bundle sits directly in outdir, so
 * one relative path fits). The banner defines __mamoriModuleUrl, the bundle's own URL.
 */
const keepModuleUrls = {
  name: "keep-module-urls",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      const built = path.join(root, "dist", path.relative(path.join(root, "src"), args.path));
      const rel = path.relative(outdir, built).replace(/\.ts$/, ".js").split(path.sep).join("/");
      return {
        contents: source.replaceAll(
          "import.meta.url",
          `new URL(${JSON.stringify(rel)}, __mamoriModuleUrl).href`,
        ),
        loader: "ts",
      };
    });
  },
};

/**
 * zod's `z.locales` carries every language's messages (358 KB, more than all of zod's code that runs);
 * mamori uses English only, zod's default.
 */
const englishOnlyZod = {
  name: "english-only-zod",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? { path: path.join(path.dirname(args.importer), "../locales/en.js"), namespace: "zod-en" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-en" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

/** commands/index.ts with only `keep`'s line (every line when keep is undefined) */
function onlyCommand(indexSource, keep) {
  return {
    name: "only-command",
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]cli[\\/]commands[\\/]index\.ts$/ }, () => ({
        contents: indexSource
          .split("\n")
          .filter((line) => {
            const m = COMMAND_LINE.exec(line);
            return !m || keep === undefined || m[2] === keep;
          })
          .join("\n"),
        loader: "ts",
      }));
    },
  };
}

function bundle(name, entry, plugin) {
  return build({
    absWorkingDir: root,
    entryPoints: { [name]: entry },
    outdir,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    outExtension: { ".js": ".cjs" },
    external: ["better-sqlite3"],
    banner: { js: 'const __mamoriModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [plugin, keepModuleUrls, englishOnlyZod],
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: "warning",
    legalComments: "none",
  });
}

/**
 * Writes <file>.cache: V8's code cache of the bundle compiled as bin/mamori.js compiles it (the top-level
 * code; a function first called at run time is compiled then).
 */
async function writeCodeCache(name) {
  const file = path.join(outdir, `${name}.cjs`);
  await writeFile(`${file}.cache`, bundleScript(file, await readFile(file, "utf8")).createCachedData());
}

const indexSource = await readFile(indexFile, "utf8");
const names = indexSource
  .split("\n")
  .map((line) => COMMAND_LINE.exec(line)?.[2])
  .filter(Boolean);
if (names.length < 2)
  throw new Error(`bundle-cli: no command lines found in ${indexFile}; update COMMAND_LINE to its format`);

await rm(outdir, { recursive: true, force: true });
await Promise.all([
  bundle("all", "src/cli/entry.ts", onlyCommand(indexSource, undefined)),
  // every bundle starts at entry.ts (what runs is its code, whatever the command); code that a command
  // never runs costs it only the bytes read, as the code cache spares parsing it
  ...names.map((n) => bundle(n, "src/cli/entry.ts", onlyCommand(indexSource, n))),
]);
for (const n of ["all", ...names]) await writeCodeCache(n);
