/**
 * `npm run bench -- web [--runs N]`: the UI's weight and speed. The JavaScript and CSS dist/web serves
 * (raw and gzipped; the budget is 150 KiB of gzipped JS), and the time to first render of the overview
 * in Debian's chromium against a real `mamori serve` on loopback: first contentful paint, the page frame
 * (navigation and heading), and the alarm states filled in from the API. Each run is a fresh tab
 * (the browser's cache is warm after the first, as for a user who keeps the UI open).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { repoRoot } from "../src/testing/cli.js";
import { launchBrowser, startWebDaemon } from "../test/e2e/testing/web.js";

const BUDGET_KIB = 150;
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

function bundle(): { js: number; jsGz: number; entryGz: number; css: number; cssGz: number } {
  const dir = path.join(repoRoot, "dist/web/assets");
  if (!fs.existsSync(dir))
    execFileSync(
      path.join(repoRoot, "node_modules/.bin/vite"),
      ["build", "--config", "src/web/vite.config.ts"],
      { cwd: repoRoot, stdio: "inherit" },
    );
  const out = { js: 0, jsGz: 0, entryGz: 0, css: 0, cssGz: 0 };
  for (const f of fs.readdirSync(dir)) {
    const data = fs.readFileSync(path.join(dir, f));
    const gz = gzipSync(data, { level: 9 }).length;
    if (f.endsWith(".js")) {
      out.js += data.length;
      out.jsGz += gz;
      // the entry chunk loads with every page; uPlot and the logs page (pattern parser) load on use
      if (f.startsWith("index-")) out.entryGz += gz;
    } else if (f.endsWith(".css")) {
      out.css += data.length;
      out.cssGz += gz;
    }
  }
  return out;
}

export async function run(args: string[]): Promise<void> {
  const i = args.indexOf("--runs");
  const runs = i >= 0 ? Number(args[i + 1]) : 10;
  const b = bundle();
  const kib = (n: number) => (n / 1024).toFixed(1);
  process.stdout.write(
    `bundle: JS ${kib(b.js)} KiB (${kib(b.jsGz)} KiB gzipped, budget ${BUDGET_KIB}; ${kib(b.entryGz)} KiB of it loads with the first page), CSS ${kib(b.css)} KiB (${kib(b.cssGz)} KiB gzipped)\n`,
  );

  const daemon = await startWebDaemon("bench-web");
  const browser = await launchBrowser();
  try {
    const page = await browser.page();
    const token = new URL(daemon.setupLink).searchParams.get("token");
    const res = await page.request.post(`${daemon.url}/api/v1/setup`, {
      data: { token, username: "admin", password: "bench password 1234" },
    });
    if (res.status() !== 204) throw new Error(`setup failed: ${res.status()} ${await res.text()}`);
    await page.close();
    const fcp: number[] = [];
    const frame: number[] = [];
    const data: number[] = [];
    const jsLoaded: number[] = [];
    for (let r = 0; r < runs; r++) {
      const tab = await browser.page();
      await tab.goto(`${daemon.url}/`, { waitUntil: "commit" });
      // the app marks its first frame and the first alarm states it shows (performance.mark)
      await tab.waitForFunction(() => performance.getEntriesByName("mamori:alarms").length > 0);
      const t = (await tab.evaluate(`({
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
        frame: performance.getEntriesByName('mamori:frame')[0].startTime,
        data: performance.getEntriesByName('mamori:alarms')[0].startTime,
        js: performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js')).map((e) => e.responseEnd)[0] ?? -1,
      })`)) as { fcp: number; frame: number; data: number; js: number };
      if (t.fcp >= 0) fcp.push(t.fcp);
      frame.push(t.frame);
      data.push(t.data);
      jsLoaded.push(t.js);
      await tab.close();
    }
    const line = (name: string, xs: number[]) => {
      const s = [...xs].sort((a, c) => a - c);
      return `${name}: p50 ${quantile(s, 0.5).toFixed(0)} ms, p90 ${quantile(s, 0.9).toFixed(0)} ms, first ${xs[0].toFixed(0)} ms (cold cache)`;
    };
    process.stdout.write(`overview, ${runs} loads in chromium over loopback (ms from navigation start):\n`);
    if (fcp.length > 0) process.stdout.write(`  ${line("first contentful paint", fcp)}\n`);
    process.stdout.write(`  ${line("script loaded", jsLoaded)}\n`);
    process.stdout.write(`  ${line("page frame rendered", frame)}\n`);
    process.stdout.write(`  ${line("alarm states shown", data)}\n`);
  } finally {
    await browser.close();
    await daemon.stop();
  }
}
