/**
 * What the browser tests share: a real `mamori serve` (child process, temp data dir, free loopback port)
 * with its UI, and Debian's chromium driven by playwright-core with a fresh profile.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { repoRoot, runCli, spawnCli } from "../../../src/testing/cli.js";
import { freePort, waitFor } from "../../../src/testing/wait.js";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Where the runs write their screenshots (gitignored); look at them. */
export const SCREENSHOTS = path.join(repoRoot, "test/e2e/screenshots");

export interface WebDaemon {
  url: string;
  setupLink: string;
  dir: string;
  config: string;
  authLog: string;
  /** JSON lines the daemon reads into mamori/fim, mamori/rootcheck and mamori/audit (host-check results) */
  hostLogs: { fim: string; rootcheck: string; audit: string };
  log(): string;
  cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** Config: an auth log feeding a [preauth] alarm and a dry-run sshd jail; the UI on `port`. */
export function webConfig(dir: string, port: number, authLog: string): string {
  const host = ["fim", "rootcheck", "audit"]
    .map(
      (g) =>
        `  - { type: file, path: ${path.join(dir, `${g}.jsonl`)}, group: mamori/${g}, start_position: start_of_file }\n`,
    )
    .join("");
  return `data_dir: ${path.join(dir, "data")}
http:
  listen: 127.0.0.1:${port}
sources:
  - type: file
    path: ${authLog}
    group: auth
    start_position: start_of_file
${host}metric_filters:
  - name: ssh-preauth
    group: auth
    pattern: '"[preauth]"'
    metric: { namespace: Security, name: SshPreauth, value: "1" }
alarms:
  - name: ssh-intrusion
    description: SSH connections closed before authentication
    metric: { namespace: Security, name: SshPreauth }
    statistic: Sum
    period: 60
    evaluation_periods: 1
    threshold: 1
    comparison: GreaterThanOrEqualToThreshold
    treat_missing_data: missing
jails:
  - name: sshd
    filter: sshd
    group: auth
    maxretry: 3
    findtime: 10m
    bantime: 1h
    action: dry-run
`;
}

/** Starts `mamori serve` and waits for the UI to listen and the setup link to be logged. */
export async function startWebDaemon(prefix: string): Promise<WebDaemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mamori-${prefix}-`));
  const authLog = path.join(dir, "auth.log");
  fs.writeFileSync(authLog, "");
  const hostLogs = {
    fim: path.join(dir, "fim.jsonl"),
    rootcheck: path.join(dir, "rootcheck.jsonl"),
    audit: path.join(dir, "audit.jsonl"),
  };
  for (const f of Object.values(hostLogs)) fs.writeFileSync(f, "");
  const port = await freePort();
  const config = path.join(dir, "mamori.yaml");
  fs.writeFileSync(config, webConfig(dir, port, authLog));
  const child: ChildProcess = spawnCli(["serve", "--config", config], { cwd: dir, env: { TZ: "UTC" } });
  let out = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  const setupLink = await waitFor(
    "the setup link in the daemon's log",
    () => {
      if (child.exitCode !== null) throw new Error(`mamori serve exited:\n${out}`);
      return /(http:\/\/127\.0\.0\.1:\d+\/setup\?token=[A-Za-z0-9_-]+)/.exec(out)?.[1];
    },
    60_000,
    50,
  );
  return {
    url: `http://127.0.0.1:${port}`,
    setupLink,
    dir,
    config,
    authLog,
    hostLogs,
    log: () => out,
    cli: (args) => runCli([...args, "--config", config], { cwd: dir }),
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  /** A new tab; dialogs (alert/confirm/prompt) are recorded in `dialogs` and dismissed. */
  page(opts?: { width?: number; height?: number; dark?: boolean }): Promise<Page>;
  dialogs: string[];
  /** Console errors and failed-CSP reports of every tab. */
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  const dialogs: string[] = [];
  const errors: string[] = [];
  for (const p of context.pages()) await p.close();
  return {
    context,
    dialogs,
    errors,
    async page(opts = {}) {
      const page = await context.newPage();
      await page.setViewportSize({ width: opts.width ?? 1280, height: opts.height ?? 800 });
      await page.emulateMedia({ colorScheme: opts.dark ? "dark" : "light" });
      page.on("dialog", (d) => {
        dialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss();
      });
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      return page;
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the login form and waits for the overview. */
export async function login(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForSelector("header.top nav");
}

/** Appends lines to a file the daemon tails. */
export function appendLines(file: string, lines: string[]): void {
  fs.appendFileSync(file, lines.map((l) => `${l}\n`).join(""));
}

/** `Dec  2 18:50:01`, the syslog time of now in UTC (the daemon runs with TZ=UTC). */
export function syslogTime(ms: number): string {
  const d = new Date(ms);
  const mon = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  const p = (n: number) => String(n).padStart(2, "0");
  return `${mon} ${String(d.getUTCDate()).padStart(2, " ")} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
