/**
 * `npm run bench -- NAME [args]`: runs one benchmark (or all, with no name). Every benchmark is listed here.
 * Benchmarks print their figures and, where a peer tool is installed, the ratio against it in the same run.
 */
type Bench = (args: string[]) => Promise<void>;

const benches: Record<string, () => Promise<{ run: Bench }>> = {
  patterns: () => import("./patterns.js"),
  ingest: () => import("./ingest.js"),
  sources: () => import("./sources.js"),
  jails: () => import("./jails.js"),
  replay: () => import("./replay.js"),
  regex: () => import("./regex.js"),
  "alarm-latency": () => import("./alarm-latency.js"),
  rootcheck: () => import("./rootcheck.js"),
  fim: () => import("./fim.js"),
  api: () => import("./api.js"),
  web: () => import("./web.js"),
  fleet: () => import("./fleet.js"),
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const names = name ? [name] : Object.keys(benches);
  for (const n of names) {
    const load = benches[n];
    if (!load) {
      process.stderr.write(`unknown benchmark "${n}"; known: ${Object.keys(benches).join(", ")}\n`);
      process.exitCode = 2;
      return;
    }
    process.stdout.write(`== ${n}\n`);
    const mod = await load();
    await mod.run(args);
  }
}

await main();
