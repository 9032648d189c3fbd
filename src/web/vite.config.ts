/**
 * Builds the UI into dist/web (run by `npm ci` through the `prepare` script). The output must work under
 * the API's strict Content-Security-Policy: no inline script or style, so no modulepreload polyfill and
 * CSS in files. Prints the gzipped size of the JavaScript it wrote (the budget is 150 KiB).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import preact from "@preact/preset-vite";
import { defineConfig, type Plugin } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, "../../dist/web");

/** Prints the gzipped size of every JS file written, and the total. */
function bundleSize(): Plugin {
  return {
    name: "mamori-bundle-size",
    closeBundle() {
      const dir = path.join(outDir, "assets");
      let total = 0;
      for (const f of readdirSync(dir)) {
        if (!f.endsWith(".js")) continue;
        total += gzipSync(readFileSync(path.join(dir, f)), { level: 9 }).length;
      }
      process.stdout.write(`web: JavaScript ${(total / 1024).toFixed(1)} KiB gzipped (budget 150 KiB)\n`);
    },
  };
}

export default defineConfig({
  root: here,
  base: "/",
  logLevel: "warn",
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false }), bundleSize()],
  build: {
    outDir,
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    sourcemap: false,
    target: "es2022",
  },
});
