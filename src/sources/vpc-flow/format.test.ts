import assert from "node:assert/strict";
import { test } from "node:test";
import { VPC_CUSTOM_29_FIELDS } from "../../../bench/gen/vpc-flow.js";
import { DEFAULT_V2_FIELDS, parseFormat, parseHeaderLine } from "./format.js";

test("parses AWS format strings", () => {
  const v2 = DEFAULT_V2_FIELDS.map((f) => `\${${f}}`).join(" ");
  assert.deepEqual(parseFormat(v2), DEFAULT_V2_FIELDS);
  const custom = VPC_CUSTOM_29_FIELDS.map((f) => `\${${f}}`).join(" ");
  assert.deepEqual(parseFormat(custom), VPC_CUSTOM_29_FIELDS);
  // bare names, as in a header line (in mamori.yaml "${name}" would be read as an environment variable)
  assert.deepEqual(parseFormat(VPC_CUSTOM_29_FIELDS.join(" ")), VPC_CUSTOM_29_FIELDS);
});

test("rejects format strings with what to fix", () => {
  const bad: Array<[string, RegExp]> = [
    ["version account-id 2", /"2" is not a field; write fields as \$\{name\} or name/],
    ["$version", /"\$version" is not a field/],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS's format syntax, not a template
    ["${version} ${bytez}", /unknown field "bytez"/],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS's format syntax, not a template
    ["${version} ${}", /is not a field/],
  ];
  for (const [format, err] of bad) assert.throws(() => parseFormat(format), err, format);
});

test("tells a header line from a record", () => {
  const cases: Array<[string, string[] | undefined]> = [
    ["version account-id interface-id srcaddr", ["version", "account-id", "interface-id", "srcaddr"]],
    [VPC_CUSTOM_29_FIELDS.join(" "), [...VPC_CUSTOM_29_FIELDS]],
    [
      "2 123456789012 eni-0a1b2c3d 10.0.0.1 10.0.0.2 443 5000 6 10 840 1700899200 1700899260 ACCEPT OK",
      undefined,
    ],
    ["eni-abc eni-def", undefined], // lower-case words, but no flow-log field among them
    ["5 - - - - - - - - - 1700899200 1700899260 - NODATA", undefined],
  ];
  for (const [line, want] of cases) assert.deepEqual(parseHeaderLine(line), want, line);
});
