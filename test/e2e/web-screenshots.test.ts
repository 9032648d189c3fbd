/**
 * Every page of the UI at 1280×800 and 390×844, light and dark, written to test/e2e/screenshots/ (look
 * at them). Also checks what a look cannot: no page scrolls sideways at phone width, and the pages can
 * be reached with the keyboard alone.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { waitFor } from "../../src/testing/wait.js";
import {
  appendLines,
  type Browser,
  launchBrowser,
  SCREENSHOTS,
  startWebDaemon,
  syslogTime,
  type WebDaemon,
} from "./testing/web.js";

const SIZES = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
] as const;
const SCHEMES = ["light", "dark"] as const;

/** Each page, and what shows it has its data. */
const PAGES: Array<{ name: string; path: string; ready: string }> = [
  { name: "overview", path: "/", ready: '[data-alarm="ssh-intrusion"][data-state="ALARM"]' },
  {
    name: "logs",
    path: `/logs?group=auth&pattern=${encodeURIComponent('"Failed password"')}&range=24h`,
    ready: ".log-row mark",
  },
  {
    name: "logs-error",
    path: `/logs?group=auth&pattern=${encodeURIComponent('{ $.user = "root" && }')}`,
    ready: ".pattern-error",
  },
  { name: "alarms", path: "/alarms", ready: '[data-alarm="ssh-intrusion"]' },
  {
    name: "alarm",
    path: "/alarms/ssh-intrusion",
    ready: "#alarm-metric .chart canvas, #alarm-metric .empty",
  },
  { name: "bans", path: "/bans", ready: "[data-ban]" },
  { name: "host", path: "/host", ready: "#fim .change" },
  { name: "agents", path: "/agents", ready: "[data-testid=fleet-not-configured]" },
];

let daemon: WebDaemon;
let browser: Browser;

before(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  daemon = await startWebDaemon("web-shots");
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await daemon?.stop();
});

async function shoot(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Alarm fired, bans from several addresses, host-check results: what a morning after looks like. */
function populate(d: WebDaemon): void {
  const now = Date.now();
  const ssh = (t: string, ago = 0) => `${syslogTime(now - ago)} web1 sshd[${1000 + (ago % 900)}]: ${t}`;
  const lines: string[] = [];
  const attackers = ["203.0.113.7", "198.51.100.23", "192.0.2.146", "203.0.113.88"];
  attackers.forEach((ip, i) => {
    for (let n = 0; n < 3 + i; n++)
      lines.push(
        ssh(
          `Failed password for invalid user admin${n} from ${ip} port ${40000 + n} ssh2`,
          (i * 6 + n) * 20_000,
        ),
      );
  });
  lines.push(ssh("Accepted publickey for deploy from 10.0.0.5 port 50022 ssh2: ED25519 SHA256:x", 120_000));
  lines.push(ssh("Connection closed by authenticating user root 203.0.113.7 port 51234 [preauth]"));
  appendLines(d.authLog, lines);
  appendLines(d.hostLogs.fim, [
    JSON.stringify({
      path: "/etc/ssh/sshd_config",
      change: "modified",
      changed: ["sha256", "size"],
      diff: "--- a/etc/ssh/sshd_config\n+++ b/etc/ssh/sshd_config\n@@ -32,1 +32,1 @@\n-PermitRootLogin no\n+PermitRootLogin yes",
      host: "web1",
    }),
    JSON.stringify({
      path: "/usr/sbin/sshd",
      change: "modified",
      changed: ["sha256", "mtime"],
      package: "openssh-server 1:9.2p1-2+deb12u3",
      host: "web1",
    }),
    JSON.stringify({ path: "/etc/cron.d/.hidden-job", change: "added", changed: [], host: "web1" }),
    JSON.stringify({ path: "/var/www/html/shell.php", change: "deleted", changed: [], host: "web1" }),
  ]);
  appendLines(d.hostLogs.rootcheck, [
    JSON.stringify({
      check: "suid",
      severity: "high",
      title: "SUID binary outside the package database",
      detail: "owned by root, mode 4755",
      path: "/tmp/.x/bash",
      host: "web1",
    }),
    JSON.stringify({
      check: "hidden_ports",
      severity: "medium",
      title: "Port 31337/tcp is listening but not shown by ss",
      detail: "bound by pid 4242",
      host: "web1",
    }),
  ]);
  appendLines(d.hostLogs.audit, [
    JSON.stringify({
      policy: "cis-debian-12",
      id: "5.2.10",
      title: "SSH root login is disabled",
      result: "failed",
      reason: "PermitRootLogin yes",
      remediation: "set PermitRootLogin no in /etc/ssh/sshd_config",
      host: "web1",
    }),
    JSON.stringify({
      policy: "cis-debian-12",
      id: "5.2.4",
      title: "SSH X11 forwarding is disabled",
      result: "passed",
      reason: "X11Forwarding no",
      host: "web1",
    }),
    JSON.stringify({
      policy: "cis-debian-12",
      id: "1.1.2",
      title: "/tmp is a separate partition",
      result: "not_applicable",
      reason: "container",
      host: "web1",
    }),
  ]);
}

describe("web UI screenshots, phone width and keyboard", { timeout: 300_000 }, () => {
  it("writes every page at both sizes in both schemes", async () => {
    const page = await browser.page();
    for (const size of SIZES)
      for (const scheme of SCHEMES) {
        await page.setViewportSize(size);
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(daemon.setupLink);
        await shoot(page, `setup-${size.name}-${scheme}`);
      }
    const res = await page.request.post(`${daemon.url}/api/v1/setup`, {
      data: {
        token: new URL(daemon.setupLink).searchParams.get("token"),
        username: "admin",
        password: "correct horse battery staple",
      },
    });
    assert.equal(res.status(), 204);
    populate(daemon);
    await waitFor(
      "the bans and the alarm",
      async () => {
        const bans = (await (await page.request.get(`${daemon.url}/api/v1/bans`)).json()) as {
          bans: unknown[];
        };
        const alarm = (await (
          await page.request.get(`${daemon.url}/api/v1/alarms/ssh-intrusion`)
        ).json()) as { state: string };
        return bans.bans.length >= 4 && alarm.state === "ALARM";
      },
      30_000,
      200,
    );

    const written: string[] = [];
    for (const size of SIZES)
      for (const scheme of SCHEMES) {
        await page.setViewportSize(size);
        await page.emulateMedia({ colorScheme: scheme });
        for (const p of PAGES) {
          await page.goto(daemon.url + p.path);
          await page.waitForSelector(p.ready);
          await page.waitForLoadState("networkidle").catch(() => undefined);
          written.push(await shoot(page, `${p.name}-${size.name}-${scheme}`));
          if (size.name === "phone") {
            const overflow = await page.evaluate(
              "document.documentElement.scrollWidth - document.documentElement.clientWidth",
            );
            assert.equal(overflow, 0, `${p.path} scrolls sideways at ${size.width} px`);
          }
        }
        await page.goto(`${daemon.url}/login`);
        await page.waitForSelector("input[name=username]");
        written.push(await shoot(page, `login-${size.name}-${scheme}`));
      }
    for (const f of written) assert.ok(fs.statSync(f).size > 5000, `${f} has content`);
    process.stdout.write(`# ${written.length + 4} screenshots in ${SCREENSHOTS}\n`);
  });

  it("reaches the pages and the unban button with the keyboard alone", async () => {
    const page = await browser.page();
    await page.goto(`${daemon.url}/`);
    await page.waitForSelector('[data-alarm="ssh-intrusion"]');
    const focusedText = () => page.evaluate("document.activeElement?.textContent ?? ''") as Promise<string>;
    let found = false;
    for (let i = 0; i < 12 && !found; i++) {
      await page.keyboard.press("Tab");
      found = (await focusedText()) === "Bans";
    }
    assert.ok(found, "Tab reaches the Bans link");
    await page.keyboard.press("Enter");
    await page.waitForSelector("[data-ban] button");
    found = false;
    for (let i = 0; i < 40 && !found; i++) {
      await page.keyboard.press("Tab");
      found = (await focusedText()) === "Unban";
    }
    assert.ok(found, "Tab reaches an Unban button");
    const outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle");
    assert.equal(outline, "solid", "the focused control is visibly marked");
  });
});
