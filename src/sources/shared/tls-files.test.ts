import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { readTlsFiles } from "./tls-files.js";

const dir = mkdtempSync(path.join(tmpdir(), "mamori-tls-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

test("all three read; ca only when given", async () => {
  const cert = file("cert.pem", "CERT");
  const key = file("key.pem", "KEY");
  const ca = file("ca.pem", "CA");
  const all = await readTlsFiles("x", { cert, key, ca });
  assert.deepEqual([all.cert.toString(), all.key.toString(), all.ca?.toString()], ["CERT", "KEY", "CA"]);
  assert.equal((await readTlsFiles("x", { cert, key })).ca, undefined);
});

test("every unreadable file is named, in the config's order, whatever fails first", async () => {
  const key = file("key2.pem", "KEY");
  await assert.rejects(
    readTlsFiles("syslog tls://0.0.0.0:6514", { cert: "/nonexistent/c.pem", key, ca: "/nonexistent/ca.pem" }),
    {
      message:
        "syslog tls://0.0.0.0:6514 tls.cert /nonexistent/c.pem: ENOENT; tls.ca /nonexistent/ca.pem: ENOENT (fix the path in the config, or the file's permissions)",
    },
  );
  // a folder where a file belongs: its own code
  await assert.rejects(readTlsFiles("x", { cert: dir, key }), /^Error: x tls\.cert .*: EISDIR/);
});
