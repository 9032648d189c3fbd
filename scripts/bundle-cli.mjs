/**
 * Bundles the CLI (src/cli/entry.ts) with esbuild into dist/cli-bundle/: one ESM entry plus chunks, split at
 * the lazy `import()`s, so a command loads a few files instead of ~280 modules (start-up was most of a
 * short run's time). bin/mamori.js loads dist/cli-bundle/entry.mjs.
 */

import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "dist/cli-bundle");

/**
 * Code that finds files relative to itself (`new URL("../../filters/", import.meta.url)`) must see the URL
 * its module has in the unbundled dist/ tree, not the chunk's: rewrite import.meta.url to that URL. Every
 * output file sits directly in outdir (chunkNames below), so one relative path fits whichever chunk the
 * module lands in.
 */
const keepModuleUrls = {
  name: "keep-module-urls",
  setup(b) {
    b.onLoad({ filter: /\/src\/.*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      const asBuilt = path.relative(
        outdir,
        path.join(root, "dist", path.relative(path.join(root, "src"), args.path)),
      );
      const js = asBuilt.replace(/\.ts$/, ".js").split(path.sep).join("/");
      return {
        contents: source.replaceAll(
          "import.meta.url",
          `new URL(${JSON.stringify(js)}, import.meta.url).href`,
        ),
        loader: "ts",
      };
    });
  },
};

/**
 * zod's `z.locales` carries every language's messages (358 KB, a third of the config chunk every command
 * loads); mamori uses English only, zod's default.
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

// chunk names carry content hashes: clear out the last build's
await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { entry: "src/cli/entry.ts" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  chunkNames: "[name]-[hash]",
  external: ["better-sqlite3"],
  // CommonJS packages bundled into ESM call require() for node: built-ins
  banner: {
    js: 'import { createRequire as __mamoriRequire } from "node:module"; const require = __mamoriRequire(import.meta.url);',
  },
  plugins: [keepModuleUrls, englishOnlyZod],
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  legalComments: "none",
});
