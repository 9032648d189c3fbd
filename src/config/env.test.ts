import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { runCli } from "../testing/cli.js";
import { parseConfig } from "./load.js";
import { problemsOf } from "./testing/problems.js";

const TOKEN = "tok-9f86d081884c7d659a2feaa0c55ad015";

describe("values from ${...} are never echoed in problems", () => {
  const rows: Array<{ name: string; text: string; want: RegExp }> = [
    {
      name: "a token written as a string where a list is wanted",
      text: 'sources:\n  - type: http\n    listen: 127.0.0.1:8514\n    tokens: "${INGEST_TOKEN}"\n',
      want: /^4:13: "tokens" must be a list, not the value of "\$\{INGEST_TOKEN\}"$/,
    },
    {
      name: "a token where an enum value is wanted",
      text: "jails:\n  - name: sshd\n    filter: sshd\n    group: g\n    action: ${INGEST_TOKEN}\n",
      want: /^5:13: "action" must be one of .*, not the value of "\$\{INGEST_TOKEN\}"$/,
    },
    {
      name: "a token inside a longer value where a number is wanted",
      text: "smtp:\n  port: x${INGEST_TOKEN}\n",
      want: /^2:9: "port" must be a number, not the value of "x\$\{INGEST_TOKEN\}"$/,
    },
    {
      name: "a token in a message written by a check (unknown topic)",
      text: 'topics:\n  - name: t\njails:\n  - name: sshd\n    filter: sshd\n    group: g\n    notify: ["${INGEST_TOKEN}"]\n',
      want: /unknown topic "\$\{INGEST_TOKEN\}"/,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const problems = problemsOf(row.text, { INGEST_TOKEN: TOKEN });
      assert.ok(problems.length > 0, "the config is invalid");
      for (const p of problems) assert.doesNotMatch(p, new RegExp(TOKEN.slice(0, 12)), p);
      assert.ok(
        problems.some((p) => row.want.test(p)),
        `got:\n${problems.join("\n")}`,
      );
    });
  }

  it("config check prints no token, on stdout or stderr", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mamori-env-"));
    try {
      const f = path.join(dir, "m.yaml");
      fs.writeFileSync(
        f,
        'sources:\n  - type: http\n    listen: 127.0.0.1:8514\n    tokens: "${INGEST_TOKEN}"\n',
      );
      const r = await runCli(["config", "check", "--config", f], { env: { INGEST_TOKEN: TOKEN } });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /m\.yaml:4:13: "tokens" must be a list, not the value of "\$\{INGEST_TOKEN\}"/);
      assert.doesNotMatch(r.stdout + r.stderr, /tok-9f86d/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("numbers and booleans from the environment", () => {
  it("work where the schema wants a number or a boolean", () => {
    const c = parseConfig(
      "smtp:\n  host: ${SMTP_HOST}\n  port: ${SMTP_PORT}\n  secure: ${SMTP_SECURE}\njails:\n  - name: sshd\n    filter: sshd\n    group: g\n    maxretry: ${MAXRETRY:-3}\n    enabled: ${SSHD_ON:-true}\n",
      "m.yaml",
      { env: { SMTP_HOST: "10.0.0.25", SMTP_PORT: "587", SMTP_SECURE: "true" } },
    );
    assert.deepEqual(
      [c.smtp?.host, c.smtp?.port, c.smtp?.secure, c.jails[0].maxretry, c.jails[0].enabled],
      ["10.0.0.25", 587, true, 3, true],
    );
  });

  it("stay strings where the schema wants a string (a numeric token is still a token)", () => {
    const c = parseConfig(
      'sources:\n  - type: http\n    listen: 127.0.0.1:8514\n    tokens: ["${NUMERIC_TOKEN}"]\n',
      "m.yaml",
      { env: { NUMERIC_TOKEN: "123456789" } },
    );
    const s = c.sources[0];
    assert.deepEqual(s.type === "http" ? s.tokens : [], ["123456789"]);
  });

  it("a value that is not a number is still an error, at its place", () => {
    assert.deepEqual(problemsOf("smtp:\n  port: ${SMTP_PORT}\n", { SMTP_PORT: "smtp" }), [
      '2:9: "port" must be a number, not the value of "${SMTP_PORT}"',
    ]);
    assert.deepEqual(problemsOf("smtp:\n  secure: ${SMTP_SECURE}\n", { SMTP_SECURE: "yes" }), [
      '2:11: "secure" must be true or false, not the value of "${SMTP_SECURE}"',
    ]);
  });

  it("a number written in the file as a quoted string stays an error (only ${...} is converted)", () => {
    assert.deepEqual(problemsOf('smtp:\n  port: "587"\n', {}), [
      '2:9: "port" must be a number, not the string "587"',
    ]);
  });
});
