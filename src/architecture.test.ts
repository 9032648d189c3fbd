/**
 * The boundaries of DESIGN.md, enforced: no import cycles, no import upward across the layers, no
 * src/ import of test/, no clock or timer outside src/core/clock.ts. Imports are read from the source
 * text (src/testing/imports.ts); `node --import tsx src/testing/imports.ts` prints the folder picture.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readSrc, type SrcModule } from "./testing/imports.js";

/**
 * The layers, lowest first. A module imports from its own layer or lower ones. The components'
 * config.ts files (sources/<t>/, actions/<t>/, notify/channels/<t>/) sit in the config layer: that is
 * how src/config/ composes them without importing the components.
 */
const LAYERS: ReadonlyArray<readonly [layer: string, members: readonly string[]]> = [
  ["core", ["core"]],
  ["config", ["config", "<component>/config.ts"]],
  ["base", ["patterns", "store", "pipeline"]],
  [
    "components",
    ["sources", "actions", "notify", "metrics", "alarms", "jails", "fail2ban", "hids", "api", "fleet"],
  ],
  ["parts", ["service.ts", "parts.ts", "daemon.ts", "load-config.ts", "reload.ts", "replay"]],
  ["cli", ["cli"]],
  ["docs", ["docs"]], // the reference pages are generated from the schema and the CLI definitions
  ["web", ["web"]], // the browser UI (built by Vite): reads the API, uses patterns/ and core/clock.ts
];

/** A component's config.ts imports only zod and core/ (so config/ stays below every component). */
const COMPONENT_CONFIG =
  /^src\/((sources|actions|notify\/channels|hids)\/[^/]+\/config\.ts|(api|fleet)\/config\.ts)$/;

/** Components import other components only along these edges. */
const COMPONENT_EDGES: Readonly<Record<string, readonly string[]>> = {
  alarms: ["metrics", "notify"], // alarms read the compiled metric filters and publish through notify
  metrics: ["alarms"], // config check: `early: true` only where alarms allow it
  jails: ["actions", "fail2ban", "notify"], // filters from fail2ban, bans through actions, notices
  api: ["jails", "alarms", "metrics", "actions", "fleet"], // the API reads every component's state; bans go through the running jails; agents as the fleet lists them
  fail2ban: ["sources"], // the import turns fail2ban log paths into file sources (glob helpers)
  hids: ["sources"], // FIM ignore globs use the sources' glob matcher
  fleet: ["jails", "actions"], // fleet bans reach each agent's own ban manager and firewall action
};

/** The one upward import components make: a part implements Service (a type, erased at build time). */
const PART_CONTRACT = new Set(["src/service.ts"]);

function memberOf(file: string): string {
  if (COMPONENT_CONFIG.test(file)) return "<component>/config.ts";
  return file.split("/")[1];
}

function layerOf(file: string): number {
  const member = memberOf(file);
  const i = LAYERS.findIndex(([, members]) => members.includes(member));
  if (i < 0) throw new Error(`${file} is in no layer: add its folder to LAYERS in src/architecture.test.ts`);
  return i;
}

const modules = readSrc();
const code = modules.filter((m) => !m.isTest);

function srcImports(m: SrcModule) {
  return m.imports.filter((i) => i.target?.startsWith("src/"));
}

/** What each module may not import, as failure lines "file:line: why". */
export function layerViolations(mods: readonly SrcModule[]): string[] {
  const out: string[] = [];
  for (const m of mods) {
    if (m.isTest) continue;
    const from = layerOf(m.file);
    const fromMember = memberOf(m.file);
    if (COMPONENT_CONFIG.test(m.file)) {
      for (const i of m.imports)
        if (!(i.spec === "zod" || i.target?.startsWith("src/core/")))
          out.push(`${m.file}:${i.line}: a component's config.ts imports only zod and core/, not ${i.spec}`);
      continue;
    }
    for (const i of srcImports(m)) {
      const target = i.target as string;
      const to = layerOf(target);
      const toMember = memberOf(target);
      if (to > from) {
        if (i.typeOnly && LAYERS[from][0] === "components" && PART_CONTRACT.has(target)) continue;
        out.push(
          `${m.file}:${i.line}: upward import of ${target} (${LAYERS[from][0]} may not import ${LAYERS[to][0]})`,
        );
      } else if (to === from && LAYERS[from][0] === "components" && toMember !== fromMember) {
        if (!COMPONENT_EDGES[fromMember]?.includes(toMember))
          out.push(
            `${m.file}:${i.line}: ${fromMember} imports ${target}; components import other components only along COMPONENT_EDGES`,
          );
      }
    }
  }
  return out;
}

/**
 * Every import cycle among the non-test modules, each once. Type-only imports are left out: they are
 * erased, so they decide no load order (a part builder naming the BuiltPart type of parts.ts is fine).
 */
export function importCycles(mods: readonly SrcModule[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const m of mods)
    if (!m.isTest)
      graph.set(
        m.file,
        srcImports(m)
          .filter((i) => !i.typeOnly)
          .map((i) => i.target as string),
      );
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === "open") {
        const cycle = stack.slice(stack.indexOf(t));
        const key = [...cycle].sort().join(" ");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, t]);
        }
      } else if (!state.has(t) && graph.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return cycles;
}

/** Clock and timer calls outside src/core/clock.ts, with comments stripped. */
export function clockViolations(mods: readonly SrcModule[]): string[] {
  const out: string[] = [];
  const banned = [
    /\bDate\.now\(/,
    /\bnew Date\(\s*\)/,
    /(?<![.\w])setTimeout\(/,
    /(?<![.\w])setInterval\(/,
    /from ["']node:timers(\/promises)?["']/,
  ];
  for (const m of mods) {
    if (m.isTest || m.file === "src/core/clock.ts") continue;
    const lines = m.text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " ")).split("\n");
    lines.forEach((raw, i) => {
      const line = raw.replace(/\/\/.*$/, "");
      for (const re of banned)
        if (re.test(line))
          out.push(
            `${m.file}:${i + 1}: ${line.trim()} (time comes from the injected Clock, src/core/clock.ts)`,
          );
    });
  }
  return out;
}

/**
 * Every module a module loads with it: what its static value imports reach (type-only imports load
 * nothing; an import() loads when its code runs).
 */
function closure(mods: readonly SrcModule[], start: string): Set<string> {
  const byFile = new Map(mods.map((m) => [m.file, m]));
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const f = todo.pop() as string;
    if (seen.has(f)) continue;
    seen.add(f);
    const m = byFile.get(f);
    if (m) for (const i of srcImports(m)) if (!i.typeOnly && !i.dynamic) todo.push(i.target as string);
  }
  return seen;
}

/** The firewall actions: the map, the command runner and each action's folder (its config.ts aside). */
const FIREWALL_ACTION = /^src\/actions\/(index\.ts|runner\.ts|[^/]+\/(?!config\.ts$))/;

export function firewallActionsLoadedBy(mods: readonly SrcModule[], start: string): string[] {
  return [...closure(mods, start)].filter((f) => FIREWALL_ACTION.test(f)).sort();
}

describe("architecture", () => {
  it("every module is in a layer, and no module imports upward or across components off the list", () => {
    assert.deepEqual(layerViolations(modules), []);
  });

  it("no import cycles", () => {
    assert.deepEqual(
      importCycles(modules).map((c) => c.join(" → ")),
      [],
    );
  });

  it("no src/ module imports test/", () => {
    const bad = modules.flatMap((m) =>
      m.imports.filter((i) => i.target?.startsWith("test/")).map((i) => `${m.file}:${i.line}: ${i.spec}`),
    );
    assert.deepEqual(bad, []);
  });

  it("test-support modules (testing/ folders) are imported by tests only, so none lands in dist/", () => {
    const bad = code.flatMap((m) =>
      srcImports(m)
        .filter((i) => /(^|\/)testing\//.test(i.target as string))
        .map((i) => `${m.file}:${i.line}: ${i.spec}`),
    );
    assert.deepEqual(bad, []);
  });

  it("no Date.now, new Date() or timers outside src/core/clock.ts (tests excluded)", () => {
    assert.deepEqual(clockViolations(code), []);
  });

  it("src/config/ reaches only core/, config/ and the components' config.ts files", () => {
    const reached = new Set<string>();
    for (const m of code)
      if (m.file.startsWith("src/config/")) for (const f of closure(code, m.file)) reached.add(f);
    const outside = [...reached].filter(
      (f) => !f.startsWith("src/core/") && !f.startsWith("src/config/") && !COMPONENT_CONFIG.test(f),
    );
    assert.deepEqual(outside, []);
  });

  it("`mamori config check` does not load the firewall actions (only their config.ts)", () => {
    // the CLI entry registers every command: only `bans add|del` loads an action, when it applies one
    assert.deepEqual(firewallActionsLoadedBy(code, "src/cli/bin.ts"), []);
    assert.deepEqual(firewallActionsLoadedBy(code, "src/cli/commands/config.ts"), []);
  });
});
