/**
 * The web UI in Debian's chromium against a real `mamori serve`: first admin through the setup link,
 * sign out and in; an alarm turning red on the overview without a reload; a ban by a dry-run jail seen,
 * lifted and added on /bans, with the store (`mamori bans list`) agreeing; log search with a pattern and
 * a syntax error shown at its position; hostile text rendered as text; 5 wrong passwords rate-limited
 * and recorded in mamori/auth. Waits are on the DOM (Playwright's selectors), never sleeps.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { PatternSyntaxError, parsePattern } from "../../src/patterns/index.js";
import { openSqliteStore } from "../../src/store/sqlite/index.js";
import {
  appendLines,
  type Browser,
  launchBrowser,
  startWebDaemon,
  syslogTime,
  type WebDaemon,
} from "./testing/web.js";

const ADMIN = "admin";
const PASSWORD = "correct horse battery staple";
const HOSTILE = [
  "<script>alert('script')</script>",
  "\"><img src=x onerror=alert('img')>",
  "javascript:alert('link')",
  "evil\u202Etxt.exe\u2066bidi\u2069",
];

let daemon: WebDaemon;
let browser: Browser;
let page: Page;

before(async () => {
  daemon = await startWebDaemon("web-ui");
  browser = await launchBrowser();
  page = await browser.page();
});
after(async () => {
  await browser?.close();
  await daemon?.stop();
});

const sshLine = (text: string) => `${syslogTime(Date.now())} web1 sshd[4242]: ${text}`;

/** The time of the last navigation the page made (a reload would change it). */
const loadedAt = (p: Page) => p.evaluate(() => performance.timeOrigin);

describe("web UI in a real browser", { timeout: 180_000 }, () => {
  it("creates the first admin through the setup link, signs out and signs in again", async () => {
    await page.goto(daemon.setupLink);
    await page.fill("input[name=username]", ADMIN);
    await page.fill("input[name=password]", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForSelector("main h1:text('Overview')");
    assert.equal(await page.textContent("header .user"), ADMIN);
    assert.equal(new URL(page.url()).pathname, "/");

    await page.click("header button:text('Log out')");
    await page.waitForSelector("form[aria-labelledby=login-title]");
    assert.equal(new URL(page.url()).pathname, "/login");
    // signed out: a bookmarked page sends the user to /login and back afterwards
    await page.goto(`${daemon.url}/alarms`);
    await page.waitForURL(/\/login\?next=%2Falarms$/);
    await page.fill("input[name=username]", ADMIN);
    await page.fill("input[name=password]", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForSelector("main h1:text('Alarms')");
    assert.equal(new URL(page.url()).pathname, "/alarms");
  });

  it("shows the alarm turn red on the overview without a reload", async () => {
    await page.goto(`${daemon.url}/`);
    const card = '[data-alarm="ssh-intrusion"]';
    await page.waitForSelector(card);
    assert.notEqual(await page.getAttribute(card, "data-state"), "ALARM");
    await page.waitForSelector('[data-live="live"]');
    const before = await loadedAt(page);
    const t0 = performance.now();
    appendLines(daemon.authLog, [
      sshLine("Connection closed by authenticating user root 203.0.113.7 port 51234 [preauth]"),
    ]);
    await page.waitForSelector(`${card}[data-state="ALARM"]`, { timeout: 10_000 });
    const ms = performance.now() - t0;
    process.stdout.write(`# overview showed ALARM ${ms.toFixed(0)} ms after the line was written\n`);
    assert.equal(await loadedAt(page), before, "the page did not reload");
    assert.ok(ms < 5000, `the alarm turned red after ${ms.toFixed(0)} ms`);
    // the card is red: its computed border colour is the theme's "bad" colour
    const border = await page.evaluate(`getComputedStyle(document.querySelector('${card}')).borderLeftColor`);
    assert.equal(border, "rgb(209, 36, 47)");
  });

  it("opens the alarm from the overview: reason, sample line, threshold chart, acknowledge", async () => {
    await page.click('[data-alarm="ssh-intrusion"]');
    await page.waitForSelector("main h1:has-text('ssh-intrusion') [data-state=ALARM]");
    assert.equal(new URL(page.url()).pathname, "/alarms/ssh-intrusion");
    assert.match((await page.textContent("[data-testid=alarm-reason]")) ?? "", /Threshold Crossed/);
    assert.match((await page.textContent("#alarm-samples")) ?? "", /\[preauth\]/);
    await page.waitForSelector("#alarm-metric .chart canvas");
    assert.match((await page.textContent("#alarm-metric .u-legend")) ?? "", /threshold/);
    await page.fill("#alarm-ack input[name=why]", "looking into <b>it</b>");
    await page.click("#alarm-ack button[type=submit]");
    await page.waitForSelector("#alarm-state .notice:has-text('Acknowledged by admin')");
    assert.match((await page.textContent("#alarm-state .notice")) ?? "", /looking into <b>it<\/b>/);
  });

  it("shows a dry-run jail's ban on /bans, unbans it there, bans by hand, and agrees with `mamori bans list`", async () => {
    const ip = "198.51.100.23";
    appendLines(
      daemon.authLog,
      [1, 2, 3].map((n) => sshLine(`Failed password for root from ${ip} port ${40000 + n} ssh2`)),
    );
    await page.click("header nav a:text('Bans')");
    const row = `[data-ban="sshd/${ip}"]`;
    await page.waitForSelector(row, { timeout: 30_000 }).catch(async (e) => {
      const api = await (await page.request.get(`${daemon.url}/api/v1/bans`)).text();
      throw new Error(
        `${e}\nGET /api/v1/bans: ${api}\npage: ${await page.textContent("main")}\ndaemon log:\n${daemon.log().slice(-3000)}`,
      );
    });
    assert.match((await page.textContent(`${row} [data-time-left]`)) ?? "", /^(59m|1h)/);
    const listed = async () =>
      (await daemon.cli(["bans", "list", "--json"])).stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { jail: string; ip: string });
    assert.ok(
      (await listed()).some((b) => b.jail === "sshd" && b.ip === ip),
      "the store has the ban",
    );

    await page.click(`${row} button:text('Unban')`);
    await page.waitForSelector(row, { state: "detached" });
    assert.ok(!(await listed()).some((b) => b.ip === ip), "the store lifted the ban");

    const manual = "203.0.113.99";
    await page.fill("#manual-ban input[name=ip]", manual);
    await page.click("#manual-ban button[type=submit]");
    await page.waitForSelector(`[data-ban="sshd/${manual}"]`);
    const rows = await page.$$eval("[data-ban]", (els) => els.map((e) => e.getAttribute("data-ban")).sort());
    const stored = (await listed()).map((b) => `${b.jail}/${b.ip}`).sort();
    assert.deepEqual(rows, stored, "the page and `mamori bans list` show the same bans");
    assert.ok(stored.includes(`sshd/${manual}`));
  });

  it("searches logs with a pattern, highlights matches, and shows a syntax error at its position", async () => {
    await page.goto(
      `${daemon.url}/logs?group=auth&pattern=${encodeURIComponent('"Failed password"')}&range=24h`,
    );
    await page.waitForSelector(".log-row");
    const marks = await page.$$eval(".log-row mark", (els) => els.map((e) => e.textContent));
    assert.ok(marks.length >= 3 && marks.every((m) => m === "Failed password"), JSON.stringify(marks));
    const rows = await page.$$eval(".log-row .msg", (els) => els.map((e) => e.textContent ?? ""));
    assert.ok(rows.every((r) => r.includes("Failed password")) && !rows.some((r) => r.includes("[preauth]")));

    const bad = '{ $.user = "root" && }';
    let expected: PatternSyntaxError | undefined;
    try {
      parsePattern(bad);
    } catch (e) {
      expected = e as PatternSyntaxError;
    }
    assert.ok(expected instanceof PatternSyntaxError);
    await page.uncheck("form.toolbar input[type=checkbox]");
    await page.fill("input[name=pattern]", bad);
    await page.waitForSelector(".pattern-error");
    assert.equal(await page.getAttribute(".pattern-error", "data-col"), String(expected.col));
    assert.match((await page.textContent(".pattern-error p")) ?? "", new RegExp(`^1:${expected.col} `));
    assert.equal(await page.textContent(".pattern-error mark.at"), bad.charAt(expected.offset) || " ");
    assert.equal(
      await page.isDisabled("form.toolbar button[type=submit]"),
      true,
      "a bad pattern cannot be searched",
    );

    // live tail: a new matching line appears without a search
    await page.check("form.toolbar input[type=checkbox]");
    await page.waitForSelector('[data-tail="live"]');
    const marker = "tailuser7";
    appendLines(daemon.authLog, [
      sshLine(`Accepted password for ${marker} from 192.0.2.9 port 22 ssh2`),
      sshLine(`Failed password for ${marker} from 192.0.2.9 port 22 ssh2`),
    ]);
    await page.waitForSelector(`.log-row .msg:has-text("Failed password for ${marker}")`);
    assert.equal(
      await page.$$eval(
        ".log-row .msg",
        (els) => els.filter((e) => e.textContent?.includes("Accepted password")).length,
      ),
      0,
    );
    assert.match(new URL(page.url()).search, /live=1/);

    // a bookmarked address with a bad pattern shows the same error instead of results
    await page.goto(`${daemon.url}/logs?group=auth&pattern=${encodeURIComponent(bad)}`);
    await page.waitForSelector(`.pattern-error[data-col="${expected.col}"]`);
    assert.equal(await page.$$eval(".log-row", (els) => els.length), 0);
  });

  it("renders hostile log lines, user names and paths as text", async () => {
    const dialogsBefore = browser.dialogs.length;
    appendLines(
      daemon.authLog,
      HOSTILE.map((h) => sshLine(`Invalid user ${h} from 192.0.2.66 port 22`)),
    );
    // a user name from a failed login lands in mamori/auth
    const res = await page.request.post(`${daemon.url}/api/v1/session`, {
      data: { username: HOSTILE[1], password: "x" },
      failOnStatusCode: false,
    });
    assert.equal(res.status(), 401);
    for (const [group, needle] of [
      ["auth", "Invalid user"],
      ["mamori/auth", "login_failed"],
    ] as const) {
      await page.goto(
        `${daemon.url}/logs?group=${encodeURIComponent(group)}&pattern=${encodeURIComponent(`"${needle}"`)}&range=24h`,
      );
      await page.waitForSelector(".log-row");
      const html = await page.$eval(".log-rows", (el) => el.innerHTML);
      const text = await page.$eval(".log-rows", (el) => el.textContent ?? "");
      assert.equal(
        await page.$$eval(".log-rows img, .log-rows script, .log-rows a", (e) => e.length),
        0,
        html,
      );
      if (group === "auth") {
        assert.ok(text.includes(HOSTILE[0]) && text.includes(HOSTILE[1]) && text.includes(HOSTILE[2]), text);
        assert.ok(
          text.includes("evil⟦U+202E⟧txt.exe⟦U+2066⟧bidi⟦U+2069⟧"),
          "bidi controls are shown, not obeyed",
        );
        assert.ok(!text.includes("\u202E"));
      } else assert.ok(text.includes(HOSTILE[1].replace(/"/g, '\\"')), text);
    }
    // file paths from host checks: the overview's latest changes and /host
    const paths = HOSTILE.map((h, i) => `/etc/${h}/${i}`);
    appendLines(
      daemon.hostLogs.fim,
      paths.map((p) =>
        JSON.stringify({
          path: p,
          change: "modified",
          changed: ["sha256"],
          diff: `-a\n+${HOSTILE[0]}`,
          host: "web1",
        }),
      ),
    );
    appendLines(daemon.hostLogs.rootcheck, [
      JSON.stringify({
        check: "suid",
        severity: "high",
        title: HOSTILE[1],
        detail: HOSTILE[2],
        path: paths[3],
        host: "web1",
      }),
    ]);
    await page.goto(`${daemon.url}/`);
    await page.waitForSelector("#file-changes .list li");
    await page.waitForFunction(
      `document.querySelectorAll('#file-changes .list li').length === ${paths.length}`,
    );
    const overview = await page.$eval("#file-changes .list", (el) => el.textContent ?? "");
    for (const p of paths.slice(0, 3)) assert.ok(overview.includes(p), overview);
    await page.click("header nav a:text('Host')");
    await page.waitForSelector("#rootcheck tbody tr");
    await page.waitForFunction(`document.querySelectorAll('#fim .change').length === ${paths.length}`);
    const host = await page.$eval("main", (el) => el.textContent ?? "");
    for (const p of paths.slice(0, 3)) assert.ok(host.includes(p), host);
    assert.ok(host.includes("/etc/evil⟦U+202E⟧txt.exe⟦U+2066⟧bidi⟦U+2069⟧/3"), host);
    assert.ok(host.includes(HOSTILE[1]) && host.includes(HOSTILE[2]));
    await page.click("#fim .change summary");
    assert.ok(((await page.textContent("#fim .diff")) ?? "").includes(`+${HOSTILE[0]}`));
    assert.equal(
      await page.$$eval(
        "#fim .list img, #fim .list script, #fim .list a, #rootcheck tbody img, #rootcheck tbody a",
        (e) => e.length,
      ),
      0,
    );
    assert.equal(await page.evaluate("document.querySelectorAll('script:not([src])').length"), 0);
    assert.deepEqual(browser.dialogs.slice(dialogsBefore), [], "no dialog fired");
  });

  it("lists enrolled agents on /agents, names as text, and revokes one there", async () => {
    // enrolled as `mamori agent enroll` would leave them (the store is shared with the daemon, WAL)
    const store = openSqliteStore(path.join(daemon.dir, "data"));
    try {
      const now = Date.now();
      await store.agents.addToken({
        id: "tw",
        hash: "hw",
        group: "web",
        uses: 2,
        used: 0,
        expiresAt: now + 3600_000,
        createdAt: now,
      });
      for (const [id, name] of [
        ["agent-ui-1", "web-1"],
        ["agent-ui-2", HOSTILE[1]],
      ])
        await store.agents.enroll("hw", now, { id, name, certFingerprint: `fp-${id}`, enrolledAt: now });
    } finally {
      await store.close();
    }
    const dialogsBefore = browser.dialogs.length;
    await page.goto(`${daemon.url}/agents`);
    await page.waitForSelector("tr[data-agent=agent-ui-2]");
    assert.equal(await page.textContent("tr[data-agent=agent-ui-2] td:first-child"), HOSTILE[1]);
    assert.equal(await page.textContent("tr[data-agent=agent-ui-1] [data-state]"), "never connected");
    await page.click('button[aria-label="Revoke web-1"]');
    await page.waitForSelector("tr[data-agent=agent-ui-1] [data-state=revoked]");
    const listed = await daemon.cli(["agents", "list", "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    const statuses = Object.fromEntries(
      listed.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { id: string; status: string })
        .map((a) => [a.id, a.status]),
    );
    assert.deepEqual(statuses, { "agent-ui-1": "revoked", "agent-ui-2": "never_connected" });
    // the admin forms: "run a check now" lists the agents not revoked; a token needs a fleet server
    assert.deepEqual(
      await page.$$eval("form[aria-label='Run a check now'] select[name=target] option", (os) =>
        os.map((o) => (o as unknown as { value: string }).value),
      ),
      ["all", "group:web", "agent:agent-ui-2"],
    );
    await page.fill("form[aria-label='New enrollment token'] input[name=group]", "web");
    await page.click("form[aria-label='New enrollment token'] button[type=submit]");
    await page.waitForSelector("#new-token :text('not a fleet server')");
    assert.deepEqual(browser.dialogs.slice(dialogsBefore), [], "no dialog fired");
  });

  it("rate-limits the 6th login after 5 wrong passwords and records the failures in mamori/auth", async () => {
    const tab = await browser.page();
    await tab.goto(`${daemon.url}/login`);
    for (let i = 1; i <= 5; i++) {
      await tab.fill("input[name=username]", ADMIN);
      await tab.fill("input[name=password]", `wrong password ${i}`);
      await tab.click("button[type=submit]");
      await tab.waitForSelector("p.error:has-text('wrong user name')");
      await tab.$eval("p.error", (el) => el.remove());
    }
    await tab.fill("input[name=username]", ADMIN);
    await tab.fill("input[name=password]", PASSWORD);
    await tab.click("button[type=submit]");
    await tab.waitForSelector("p.error:has-text('too many failed logins')");
    assert.equal(new URL(tab.url()).pathname, "/login", "even the right password is refused now");
    await tab.close();

    // the existing session still reads mamori/auth: 5 bad passwords and the refusal
    await page.goto(
      `${daemon.url}/logs?group=mamori%2Fauth&pattern=${encodeURIComponent('{ $.user = "admin" && $.event = "login_failed" }')}&range=24h`,
    );
    await page.waitForSelector(".log-row");
    const reasons = await page.$$eval(".log-row .msg", (els) =>
      els.map((e) => JSON.parse(e.textContent ?? "{}").reason as string),
    );
    assert.equal(reasons.filter((r) => r === "bad_password").length, 5, JSON.stringify(reasons));
    assert.ok(reasons.includes("rate_limited"), JSON.stringify(reasons));
    const cli = await daemon.cli([
      "logs",
      "filter",
      "mamori/auth",
      "--pattern",
      '{ $.reason = "rate_limited" }',
      "--json",
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /rate_limited/);
    assert.deepEqual(
      browser.errors.filter((e) => /Content Security Policy/i.test(e)),
      [],
      "nothing broke the CSP",
    );
  });
});
