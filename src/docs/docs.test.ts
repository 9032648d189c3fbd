import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { buildProgram } from "../cli/main.js";
import { configSchema } from "../config/schema.js";
import { describedKeyProblems } from "./config-reference.js";
import { generatedDocs } from "./generate.js";
import { anchorOf, linkProblems } from "./links.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

// the CLI loads each command's module on use, so building the whole program is asynchronous
const generated = await generatedDocs();

describe("docs/: generated reference pages", () => {
  for (const [file, text] of Object.entries(generated))
    it(`${file} is current (run \`npm run docs\` after changing the schema or the CLI)`, () => {
      assert.equal(readFileSync(path.join(root, file), "utf8"), text, `${file} is stale: run npm run docs`);
    });

  it("every config key is described in src/docs/config-keys*.ts, and nothing else is", () => {
    const { undescribed, unknown } = describedKeyProblems(configSchema);
    assert.deepEqual(
      undescribed,
      [],
      `describe these keys in src/docs/config-keys*.ts: ${undescribed.join(", ")}`,
    );
    assert.deepEqual(unknown, [], `these described keys are not in the schema: ${unknown.join(", ")}`);
  });

  it("a key added to the schema without a description is caught", () => {
    const grown = configSchema.extend({ brand_new: configSchema.shape.data_dir });
    assert.deepEqual(describedKeyProblems(grown).undescribed, ["brand_new"]);
  });

  it("every command, argument and option of the CLI says what it does", async () => {
    const missing: string[] = [];
    const visit = (cmd: Command, name: string) => {
      if (!cmd.description()) missing.push(name);
      for (const a of cmd.registeredArguments) if (!a.description) missing.push(`${name} <${a.name()}>`);
      for (const o of cmd.options) if (!o.description) missing.push(`${name} ${o.flags}`);
      for (const sub of cmd.commands) visit(sub, `${name} ${sub.name()}`);
    };
    visit(await buildProgram(), "mamori");
    assert.deepEqual(missing, []);
  });
});

describe("README.md and docs/: links", () => {
  const pages = [
    "README.md",
    ...readdirSync(path.join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];

  it("docs/ has the reference pages, the scenario pages and the service page", () => {
    for (const page of [
      "config.md",
      "cli.md",
      "cloudwatch-sns.md",
      "vpc-flow-logs.md",
      "cloudtrail-slack.md",
      "fail2ban.md",
      "systemd.md",
    ])
      assert.ok(pages.includes(`docs/${page}`), `docs/${page} is missing`);
  });

  for (const page of pages)
    it(`${page}: every link stays in the repository and resolves`, () => {
      assert.deepEqual(linkProblems(path.join(root, page), root), []);
    });

  it("the checker catches links that leave the repository or lead nowhere", () => {
    const problems = linkProblems(path.join(root, "src/docs/testdata/bad-links.md"), root).map(
      (p) => `${p.line} ${p.problem}`,
    );
    assert.deepEqual(problems, [
      "3 points outside the repository; link a file of the repository instead",
      "4 leaves the repository",
      "5 docs/nothing-here.md does not exist",
      "6 no heading #nowhere in README.md",
      "7 points outside the repository; link a file of the repository instead",
      "8 absolute path; use a path relative to this file",
    ]);
  });

  it("anchors follow GitHub's headings", () => {
    assert.equal(anchorOf("sources: `type: file`"), "sources-type-file");
    assert.equal(anchorOf("mamori logs tail"), "mamori-logs-tail");
    assert.equal(anchorOf("log_groups"), "log_groups");
  });
});
