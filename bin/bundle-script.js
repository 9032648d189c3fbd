// How bin/mamori.js compiles a bundle of dist/cli-bundle/ (a CommonJS module's wrapper, as vm.Script),
// shared with scripts/bundle-cli.mjs, which makes each bundle's V8 code cache at build time: V8 takes a
// cache only for the same source compiled the same way.
import vm from "node:vm";

export function bundleScript(filename, source, cachedData) {
  return new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
}
